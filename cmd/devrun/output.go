package main

import (
	"bytes"
	"io"
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
	con     *console
	dst     io.Writer
	prefix  string
	stream  string
	process string
	ring    *sess.Logs
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
	w.con.noteLineLocked(w.process, text)
	w.ring.AddLine(logLine{Stream: w.stream, Process: w.process, Text: text, Time: time.Now()})
	if w.prefix != "" {
		buf := make([]byte, 0, len(w.prefix)+len(line))
		buf = append(append(buf, w.prefix...), line...)
		w.dst.Write(buf)
	}
}
