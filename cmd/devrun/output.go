package main

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// childOutput carries one stream of a child's output to devrun's own stdout or stderr and keeps
// its lines for `devrun logs`. Alone, a process's bytes pass through untouched; with several
// processes each line gets the process's prefix ("web   | "), and lines are never interleaved
// mid-way because each complete line is written at once.
type childOutput struct {
	mu      sync.Mutex
	dst     io.Writer
	prefix  string
	stream  string
	process string
	ring    *logRing
	partial []byte
}

// maxPartial bounds a line without a newline (a progress bar, say) before it is kept anyway.
const maxPartial = 64 << 10

func (w *childOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.prefix == "" {
		if _, err := w.dst.Write(p); err != nil {
			return 0, err
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

func (w *childOutput) emit(line []byte) {
	text := string(bytes.TrimRight(line, "\r\n"))
	w.ring.addLine(logLine{Stream: w.stream, Process: w.process, Text: text, Time: time.Now()})
	if w.prefix != "" {
		buf := make([]byte, 0, len(w.prefix)+len(line))
		buf = append(append(buf, w.prefix...), line...)
		w.dst.Write(buf)
	}
}
