package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// terminalPipe is a pseudo-terminal standing in for devrun's terminal: the child writes to its
// slave end and sees a terminal (so it keeps its colours and line buffering), while devrun
// reads the master end, passes the bytes on untouched and keeps the lines for `devrun logs`.
type terminalPipe struct {
	master, slave *os.File
	stopResize    func()
}

// openTerminalPipe makes a pty shaped like the terminal term: same size (kept in step on
// SIGWINCH) and no output processing, so the bytes reach term exactly as the child wrote them.
func openTerminalPipe(term *os.File) (*terminalPipe, error) {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening a pty: %w", err)
	}
	master := os.NewFile(uintptr(mfd), "/dev/ptmx")
	fail := func(err error) (*terminalPipe, error) {
		master.Close()
		return nil, fmt.Errorf("setting up a pty: %w", err)
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		return fail(err)
	}
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
	if err != nil {
		return fail(err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fail(err)
	}
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err == nil {
		tio.Oflag &^= unix.OPOST
		err = unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio)
	}
	if err != nil {
		slave.Close()
		return fail(err)
	}
	tp := &terminalPipe{master: master, slave: slave}
	tp.copySize(term)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-winch:
				tp.copySize(term)
			case <-done:
				return
			}
		}
	}()
	tp.stopResize = func() {
		signal.Stop(winch)
		close(done)
	}
	return tp, nil
}

func (tp *terminalPipe) copySize(term *os.File) {
	if ws, err := unix.IoctlGetWinsize(int(term.Fd()), unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(int(tp.slave.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// Close ends the pty once no child writes to it any more. Reading the master then ends with
// EIO, after everything written has been read.
func (tp *terminalPipe) Close() error {
	tp.stopResize()
	return tp.slave.Close()
}
