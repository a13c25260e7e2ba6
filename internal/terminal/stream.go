package terminal

import (
	"bytes"
	"io"
	"os"
	"sync"
	"time"
)

// outputStream is one way out of a child: a pseudo-terminal (its stdout and stderr together)
// or a pipe. devrun holds both ends: the child writes to w, and a goroutine copies what arrives
// on r to the screen and to `devrun logs`.
//
// Holding w lets devrun put a mark into the stream behind whatever the child wrote. When the
// copier reaches the mark, all of that has been shown; so a line such as "exited with code 0"
// never lands above the program's last output.
type outputStream struct {
	r, w *os.File
	dst  io.Writer

	mu      sync.Mutex
	waiting []chan struct{} // one per mark written and not yet reached, oldest first
	done    chan struct{}   // the copier has returned
}

// streamMark is an APC sequence: were it ever to reach a terminal, it would show nothing.
const streamMark = "\x1b_devrun-drain\x1b\\"

// drainTimeout bounds a wait for the copier (a terminal stopped with Ctrl-S blocks it).
const drainTimeout = 250 * time.Millisecond

func newOutputStream(r, w *os.File, dst io.Writer) *outputStream {
	s := &outputStream{r: r, w: w, dst: dst, done: make(chan struct{})}
	go s.copy()
	return s
}

func (s *outputStream) copy() {
	defer close(s.done)
	buf := make([]byte, 32<<10)
	var held []byte // the start of what may be a mark, waiting for the rest of it
	for {
		n, err := s.r.Read(buf)
		if n > 0 {
			held = s.pass(append(held, buf[:n]...))
		}
		if err != nil {
			if len(held) > 0 {
				s.dst.Write(held)
			}
			return
		}
	}
}

// pass writes data on, without the marks it holds, and returns a tail that may be the start
// of a mark. Only while a mark is on its way is anything looked for or held back.
func (s *outputStream) pass(data []byte) (held []byte) {
	for {
		s.mu.Lock()
		expecting := len(s.waiting) > 0
		s.mu.Unlock()
		if !expecting {
			s.dst.Write(data)
			return nil
		}
		i := bytes.Index(data, []byte(streamMark))
		if i < 0 {
			keep := partialMark(data)
			s.dst.Write(data[:len(data)-keep])
			return append([]byte(nil), data[len(data)-keep:]...)
		}
		if i > 0 {
			s.dst.Write(data[:i])
		}
		data = data[i+len(streamMark):]
		s.mu.Lock()
		close(s.waiting[0])
		s.waiting = s.waiting[1:]
		s.mu.Unlock()
		if len(data) == 0 {
			return nil
		}
	}
}

// partialMark is the length of the longest end of data that begins streamMark.
func partialMark(data []byte) int {
	for k := min(len(data), len(streamMark)-1); k > 0; k-- {
		if bytes.HasSuffix(data, []byte(streamMark[:k])) {
			return k
		}
	}
	return 0
}

// drain returns once everything written to the stream before the call has been passed on, or
// after drainTimeout.
func (s *outputStream) drain() {
	ch := make(chan struct{})
	s.mu.Lock()
	s.waiting = append(s.waiting, ch)
	s.mu.Unlock()
	// Written aside, so that a stream nobody reads cannot block devrun.
	go s.w.Write([]byte(streamMark))
	timer := time.NewTimer(drainTimeout)
	defer timer.Stop()
	select {
	case <-ch:
	case <-s.done:
	case <-timer.C:
	}
}

// close ends the stream once no child writes to it any more: the copier passes on what is
// left and returns. A process that escaped its group may still hold the child's end; after
// drainTimeout its output is dropped.
func (s *outputStream) close() {
	s.w.Close()
	select {
	case <-s.done:
	case <-time.After(drainTimeout):
		s.r.Close() // ends the copier's read, where the file is pollable
		select {
		case <-s.done:
		case <-time.After(drainTimeout):
			// A read Close cannot end (a pty master on macOS): devrun is exiting anyway.
		}
		return
	}
	s.r.Close()
}
