package childrpc

import (
	"bufio"
	"errors"
	"io"
)

// readBufferSize is the fixed size of the read buffer. Lines that do not fit are
// assembled in a separate slice up to MaxLine, so the buffer itself never grows.
const readBufferSize = 64 << 10

// lineReader splits the channel's stream into lines. Only the goroutine holding the
// reading role uses it (see readrole.go), so it keeps its state between holders: a
// line cut by an interrupted read is completed by the next one.
type lineReader struct {
	br       *bufio.Reader
	max      int
	long     []byte // a line longer than the read buffer, being assembled
	dropping bool   // inside an oversize line: skip to its newline
	dropped  int    // bytes of the oversize line seen so far
	logf     func(format string, args ...any)
}

func newLineReader(r io.Reader, max int, logf func(string, ...any)) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, readBufferSize), max: max, logf: logf}
}

// next returns the next line without its newline, valid until the following call.
// Lines over the limit are dropped with a log. An unterminated last line is returned
// before the end of the stream. On an error, the part of a line read so far is kept
// for the next call.
func (r *lineReader) next() ([]byte, error) {
	for {
		chunk, err := r.br.ReadSlice('\n')
		if err == nil || (errors.Is(err, io.EOF) && len(chunk) > 0) {
			if line, ok := r.finish(chunk); ok {
				return line, nil
			}
			continue
		}
		r.keep(chunk)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

// buffered reports whether data already read waits to be handled: nobody would be
// woken for it.
func (r *lineReader) buffered() bool { return r.br.Buffered() > 0 }

// keep adds part of a line to the line being assembled, or counts it as dropped once
// the line is over the limit.
func (r *lineReader) keep(chunk []byte) {
	if !r.dropping && len(r.long)+len(chunk) > r.max {
		r.dropping, r.dropped = true, len(r.long)
		r.long = release(r.long)
	}
	if r.dropping {
		r.dropped += len(chunk)
	} else {
		r.long = append(r.long, chunk...)
	}
}

// finish completes a line with its last chunk; ok is false when it was over the limit.
func (r *lineReader) finish(chunk []byte) (line []byte, ok bool) {
	n := len(chunk)
	if n > 0 && chunk[n-1] == '\n' {
		n--
	}
	switch {
	case r.dropping:
		r.dropping = false
		r.logOversize(r.dropped + n)
		return nil, false
	case len(r.long) > 0:
		line = append(r.long, chunk[:n]...)
		r.long = release(line) // line stays valid until the next append
	default:
		line = chunk[:n]
	}
	if len(line) > r.max {
		r.logOversize(len(line))
		return nil, false
	}
	return line, true
}

func (r *lineReader) logOversize(n int) {
	r.logf("childrpc: dropped a line of %d bytes, over the %d-byte limit", n, r.max)
}

// release empties a line buffer, letting a large one go.
func release(b []byte) []byte {
	if cap(b) > maxKeptBuffer {
		return nil
	}
	return b[:0]
}
