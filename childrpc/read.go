package childrpc

import (
	"bufio"
	"errors"
	"io"
)

// readBufferSize is the fixed size of the read buffer. Lines that do not fit are
// assembled in a separate slice up to MaxLine, so the buffer itself never grows.
const readBufferSize = 64 << 10

// keptStart is how much of an oversize line is kept, to find its id.
const keptStart = 4 << 10

// maxKeptBuffer bounds the line buffer kept between lines, so one 5 MB message does not
// pin 5 MB for the life of the connection.
const maxKeptBuffer = 64 << 10

// lineReader splits the channel's stream into lines, in bounded memory.
type lineReader struct {
	br       *bufio.Reader
	max      int
	long     []byte // a line longer than the read buffer, being assembled; or the start of an oversize one
	dropping bool   // inside an oversize line: skip to its newline
	dropped  int    // bytes of the oversize line seen so far
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, readBufferSize), max: max}
}

// next returns the next line without its newline, valid until the following call. For
// a line over the limit it returns its start and its size (dropped > 0). An unterminated
// last line is returned before the end of the stream.
func (r *lineReader) next() (line []byte, dropped int, err error) {
	for {
		chunk, err := r.br.ReadSlice('\n')
		if err == nil || (errors.Is(err, io.EOF) && len(chunk) > 0) {
			return r.finish(chunk)
		}
		r.keep(chunk)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, 0, err
		}
	}
}

// keep adds part of a line to the line being assembled, or counts it once the line is
// over the limit.
func (r *lineReader) keep(chunk []byte) {
	if !r.dropping && len(r.long)+len(chunk) > r.max {
		r.dropping, r.dropped = true, len(r.long)
		r.long = append([]byte(nil), r.long[:min(len(r.long), keptStart)]...)
	}
	if r.dropping {
		r.dropped += len(chunk)
		if n := keptStart - len(r.long); n > 0 {
			r.long = append(r.long, chunk[:min(n, len(chunk))]...)
		}
	} else {
		if cap(r.long)-len(r.long) < len(chunk) {
			// Doubling, not append's 1.25x for large slices: a 16 MiB line then costs 32 MiB
			// of allocation instead of about 80, which a flood of them would make RSS.
			grown := make([]byte, len(r.long), min(max(2*cap(r.long), len(r.long)+len(chunk), readBufferSize), r.max))
			copy(grown, r.long)
			r.long = grown
		}
		r.long = append(r.long, chunk...)
	}
}

// finish completes a line with its last chunk.
func (r *lineReader) finish(chunk []byte) ([]byte, int, error) {
	n := len(chunk)
	if n > 0 && chunk[n-1] == '\n' {
		n--
	}
	var line []byte
	switch {
	case r.dropping:
		r.dropping = false
		size := r.dropped + n
		start := r.long
		r.long = release(r.long)
		return start, size, nil
	case len(r.long) > 0:
		line = append(r.long, chunk[:n]...)
		r.long = release(line) // line stays valid until the next append
	default:
		line = chunk[:n]
	}
	if len(line) > r.max {
		return line[:min(len(line), keptStart)], len(line), nil
	}
	return line, 0, nil
}

// release empties a line buffer, letting a large one go.
func release(b []byte) []byte {
	if cap(b) > maxKeptBuffer {
		return nil
	}
	return b[:0]
}
