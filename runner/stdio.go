package runner

import (
	"io"
	"os"
	"sync"
	"time"
)

// stdio holds the descriptors every generation (and build) of one Run gets as 0, 1 and 2.
// Writers that are files are handed to the child as they are, so a child whose output is the
// terminal sees the terminal; other writers are fed through one pipe each for the whole Run.
type stdio struct {
	devNullR, devNullW *os.File
	outFD, errFD       uintptr

	pipeWriters []*os.File // our write ends, closed at the end of Run
	pipeReaders []*os.File
	copiers     sync.WaitGroup

	pump *stdinPump // nil when the children get /dev/null
}

// drainTimeout bounds the wait for the output copiers at the end of Run: only a process that
// escaped its group (setsid) can still hold a pipe open then.
const drainTimeout = 200 * time.Millisecond

func openStdio(stdin io.Reader, stdout, stderr io.Writer) (_ *stdio, err error) {
	s := &stdio{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.devNullR, err = os.Open(os.DevNull); err != nil {
		return nil, err
	}
	if s.devNullW, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0); err != nil {
		return nil, err
	}
	if s.outFD, err = s.output(stdout); err != nil {
		return nil, err
	}
	if sameWriter(stdout, stderr) {
		s.errFD = s.outFD // one pipe keeps the order of the two streams
	} else if s.errFD, err = s.output(stderr); err != nil {
		return nil, err
	}
	if stdin != nil {
		s.pump = newStdinPump()
		go s.pump.run(stdin)
	}
	return s, nil
}

func (s *stdio) output(w io.Writer) (uintptr, error) {
	switch w := w.(type) {
	case nil:
		return s.devNullW.Fd(), nil
	case *os.File:
		return w.Fd(), nil
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	s.pipeReaders = append(s.pipeReaders, r)
	s.pipeWriters = append(s.pipeWriters, pw)
	s.copiers.Add(1)
	go func() {
		defer s.copiers.Done()
		_, _ = io.Copy(w, r)
	}()
	return pw.Fd(), nil
}

// stdin returns the fd a new generation reads as stdin and, when input is pumped, the write
// end the pump feeds while that generation is current (the generation closes it when it ends).
func (s *stdio) stdin() (child *os.File, feed *os.File, err error) {
	if s.pump == nil || s.pump.atEOF() {
		return s.devNullR, nil, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	return r, w, nil
}

func (s *stdio) close() {
	for _, w := range s.pipeWriters {
		w.Close()
	}
	for _, r := range s.pipeReaders {
		_ = r.SetReadDeadline(time.Now().Add(drainTimeout))
	}
	s.copiers.Wait()
	for _, r := range s.pipeReaders {
		r.Close()
	}
	if s.devNullR != nil {
		s.devNullR.Close()
	}
	if s.devNullW != nil {
		s.devNullW.Close()
	}
	if s.pump != nil {
		s.pump.close()
	}
}

// sameWriter is == that cannot panic on incomparable dynamic types.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// stdinPump copies the caller's input to the current generation's stdin pipe, so that lines
// typed while generations come and go reach whichever child is current. Input that arrives
// while no child is current waits for the next one. It reads until the source ends; a source
// that never ends (a terminal) keeps one goroutine blocked in Read after Run has returned.
type stdinPump struct {
	mu      sync.Mutex
	changed sync.Cond // cur or closed changed
	cur     *os.File
	eof     bool // the source ended
	closed  bool // Run is over: drop what is read
}

func newStdinPump() *stdinPump {
	p := &stdinPump{}
	p.changed.L = &p.mu
	return p
}

func (p *stdinPump) run(src io.Reader) {
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if w := p.waitCurrent(); w != nil {
				// Blocks while the child does not read; the end of its generation closes w,
				// which ends the write.
				_, _ = w.Write(buf[:n])
			}
		}
		if err != nil {
			p.mu.Lock()
			p.eof = true
			w := p.cur
			p.mu.Unlock()
			if w != nil {
				w.Close() // the child sees end of file, as it would reading the source itself
			}
			return
		}
	}
}

// waitCurrent returns the current child's stdin, waiting for one; nil once Run is over.
func (p *stdinPump) waitCurrent() *os.File {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.cur == nil && !p.closed {
		p.changed.Wait()
	}
	return p.cur
}

func (p *stdinPump) setCurrent(w *os.File) {
	p.mu.Lock()
	eof := p.eof
	if eof {
		w, p.cur = nil, nil
	} else {
		p.cur = w
	}
	p.changed.Broadcast()
	p.mu.Unlock()
}

func (p *stdinPump) close() {
	p.mu.Lock()
	p.cur, p.closed = nil, true
	p.changed.Broadcast()
	p.mu.Unlock()
}

func (p *stdinPump) atEOF() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.eof
}
