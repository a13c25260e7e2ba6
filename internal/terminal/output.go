package terminal

import (
	"bytes"
	"io"
	"os"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	sess "github.com/devrun-dev/devrun/session"
)

// logLine is one line of a child's output or one of devrun's own, as `devrun logs` shows it.
type logLine = childrpc.LogLine

// childOutput carries one stream of a child's output to devrun's own stdout or stderr and keeps
// its lines for `devrun logs`. Alone, a process's bytes pass through untouched; with several
// processes each line gets the process's prefix ("web   | "), and lines are never interleaved
// mid-way because each complete line is written at once.
//
// It writes under the console's lock, so the screen and `devrun logs` get the program's lines
// and devrun's own in one and the same order.
type childOutput struct {
	con     *Console
	dst     io.Writer
	prefix  string
	stream  string
	process string
	partial []byte
	// shared: dst is the screen devrun's own lines go to, so a line the program has not
	// finished is ended before one of them.
	shared bool
	open   bool // bytes passed through since the last newline
}

// maxPartial bounds a line without a newline (a progress bar, say) before it is kept anyway.
const maxPartial = 64 << 10

func (w *childOutput) Write(p []byte) (int, error) {
	w.con.mu.Lock()
	defer w.con.mu.Unlock()
	w.con.hideStatusLocked()
	defer w.con.showStatusLocked()
	if w.prefix == "" {
		if _, err := w.dst.Write(p); err != nil {
			return 0, err
		}
		if len(p) > 0 {
			w.open = p[len(p)-1] != '\n'
		}
	}
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.emit(w.partial[:i+1])
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > maxPartial {
		w.emit(append(w.partial, '\n'))
		w.partial = w.partial[:0]
	}
	if len(w.partial) == 0 {
		w.partial = nil // let a large buffer go
	}
	return len(p), nil
}

// endLineLocked finishes, before one of devrun's lines, a line the program left open on the
// screen; `devrun logs` gets that part as a line of its own, as the screen shows it.
func (w *childOutput) endLineLocked() {
	if !w.shared || w.prefix != "" || !w.open {
		return
	}
	w.dst.Write([]byte("\n"))
	w.open = false
	if len(w.partial) > 0 {
		w.emit(w.partial)
		w.partial = nil
	}
}

func (w *childOutput) emit(line []byte) {
	text := string(bytes.TrimRight(line, "\r\n"))
	w.con.noteLineLocked(text)
	w.con.ring.AddLine(logLine{Stream: w.stream, Process: w.process, Text: text, Time: time.Now()})
	if w.prefix != "" {
		buf := make([]byte, 0, len(w.prefix)+len(line))
		buf = append(append(buf, w.prefix...), line...)
		w.dst.Write(buf)
	}
}

// Output decides where an instance's stdout and stderr go. On a terminal they share one pty,
// so their order on the screen is the order of the program's writes, as in a plain terminal
// (and `devrun logs` can no longer tell them apart). Otherwise each goes through a pipe of its
// own. Either way devrun reads the output, keeps it for `devrun logs`, and prefixes each line
// with label when several processes share the screen.
func (c *Console) Output(label string, width int) (stdout, stderr io.Writer) {
	prefix := ""
	if label != "" {
		prefix = c.processPrefix(label, width)
	}
	// Both must be the terminal: whoever sends devrun's stderr elsewhere wants the program's
	// stderr there too.
	if isTerminal(c.out) && isTerminal(c.w) {
		tty, err := c.terminalOutput(label, prefix, width)
		if err == nil {
			return tty, tty
		}
		c.Printf(sess.LevelDetail, "", "%v: the program's stdout and stderr are pipes", err)
	}
	out, err := c.pipeOutput(&childOutput{con: c, dst: c.out, prefix: prefix, stream: "stdout", process: label})
	if err != nil {
		return c.out, c.w
	}
	errOut, err := c.pipeOutput(&childOutput{con: c, dst: c.w, prefix: prefix, stream: "stderr", process: label})
	if err != nil {
		return out, c.w
	}
	return out, errOut
}

// terminalOutput gives a child one pty for stdout and stderr, in place of the terminal.
func (c *Console) terminalOutput(label, prefix string, width int) (*os.File, error) {
	margin := 0
	if prefix != "" {
		margin = width + len(" | ")
	}
	master, slave, err := openPty(c.out.(*os.File), margin)
	if err != nil {
		return nil, err
	}
	o := &childOutput{con: c, dst: c.out, prefix: prefix, stream: "stdout", process: label, shared: true}
	c.mu.Lock()
	c.ptys = append(c.ptys, ptyOut{slave: slave, margin: margin})
	c.mu.Unlock()
	c.addStream(newOutputStream(master, slave, o), o)
	return slave, nil
}

// ptyOut is a program's pty as a resize of devrun's terminal must reach it.
type ptyOut struct {
	slave  *os.File
	margin int // columns taken by the prefix devrun adds to each line
}

// pipeOutput is a pipe whose far end o gets; a devrun line about an exit waits for it too.
func (c *Console) pipeOutput(o *childOutput) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	o.shared = o.dst == c.w || sameFile(o.dst, c.w)
	c.addStream(newOutputStream(r, w, o), o)
	return w, nil
}

func (c *Console) addStream(st *outputStream, o *childOutput) {
	c.mu.Lock()
	c.streams = append(c.streams, st)
	c.outputs = append(c.outputs, o)
	c.mu.Unlock()
}

// CloseStreams passes on what the programs wrote last, once they have exited.
func (c *Console) CloseStreams() {
	c.mu.Lock()
	streams := c.streams
	c.mu.Unlock()
	for _, st := range streams {
		st.close()
	}
}

// sameFile: a and b are one open file (devrun started with 2>&1, say).
func sameFile(a, b io.Writer) bool {
	fa, ok1 := a.(*os.File)
	fb, ok2 := b.(*os.File)
	if !ok1 || !ok2 {
		return false
	}
	sa, err1 := fa.Stat()
	sb, err2 := fb.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
