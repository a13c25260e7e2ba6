//go:build unix

package terminal

import (
	"io"
	"os"
	"os/signal"
	"syscall"

	sess "github.com/devrun-dev/devrun/session"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// openPty makes a pseudo-terminal that stands in for devrun's terminal term: the program
// writes to the slave and sees a terminal (colours, line buffering), devrun reads the master.
// margin columns are kept for the prefix devrun puts before each line.
func openPty(term *os.File, margin int) (master, slave *os.File, err error) {
	master, slave, err = pty.Open()
	if err != nil {
		return nil, nil, err
	}
	// No output processing ("\n" stays "\n"): the bytes reach the terminal as the program
	// wrote them, and the terminal does its own.
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), ioctlGetTermios)
	if err == nil {
		tio.Oflag &^= unix.OPOST
		err = unix.IoctlSetTermios(int(slave.Fd()), ioctlSetTermios, tio)
	}
	if err != nil {
		master.Close()
		slave.Close()
		return nil, nil, err
	}
	copySize(term, slave, margin)
	return master, slave, nil
}

func copySize(term, slave *os.File, margin int) {
	ws, err := pty.GetsizeFull(term)
	if err != nil {
		return
	}
	if int(ws.Cols) > margin {
		ws.Cols -= uint16(margin)
	}
	pty.Setsize(slave, ws)
}

// PassResizes keeps the programs' ptys as large as devrun's terminal and tells the programs
// when it changes: their ptys are not their controlling terminals, so the kernel sends them no
// SIGWINCH itself.
func (c *Console) PassResizes(term *os.File, ss *sess.Session) (stop func()) {
	c.mu.Lock()
	ptys := c.ptys
	c.mu.Unlock()
	if len(ptys) == 0 {
		return func() {}
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-winch:
				for _, p := range ptys {
					copySize(term, p.slave, p.margin)
				}
				ss.Signal(syscall.SIGWINCH)
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(winch)
		close(done)
	}
}

// terminalWidth is w's width in columns, 0 if w is not a terminal.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	_, cols, err := pty.Getsize(f)
	if err != nil {
		return 0
	}
	return cols
}
