package childrpc

import (
	"bufio"
	"errors"
	"io"
)

// readBufferSize is the fixed size of the read buffer. Lines that do not fit are
// assembled in a separate slice up to MaxLine, so the buffer itself never grows.
const readBufferSize = 64 << 10

// readLoop splits the stream into lines and handles each. It is the only reader of
// rwc; when it ends, the Conn is closed. It never waits on a write (the peer may be
// blocked writing to us): requests go to workers, replies of its own to goroutines.
func (c *Conn) readLoop() {
	defer c.workers.Done()
	defer func() {
		c.Close()
		close(c.done)
	}()

	br := bufio.NewReaderSize(c.rwc, readBufferSize)
	var (
		msg      wireMsg
		long     []byte // a line longer than the read buffer, being assembled
		dropping bool   // inside an oversize line: skip to its newline
		dropped  int    // bytes of the oversize line seen so far
	)
	max := c.opts.MaxLine
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if !dropping && len(long)+len(chunk) > max {
				dropping, dropped = true, len(long)
				long = release(long)
			}
			if dropping {
				dropped += len(chunk)
			} else {
				long = append(long, chunk...)
			}
			continue
		}
		if len(chunk) > 0 {
			switch {
			case dropping:
				dropped += len(chunk)
				if chunk[len(chunk)-1] == '\n' {
					dropped--
				}
				c.logOversize(dropped)
				dropping = false
			case len(long) > 0:
				long = append(long, chunk...)
				c.takeLine(long, &msg)
				long = release(long)
			default:
				c.takeLine(chunk, &msg)
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !c.closed.Load() {
				c.opts.Logf("childrpc: reading the channel: %v", err)
			}
			return
		}
	}
}

// takeLine checks a complete line against MaxLine and handles it; a request or
// notification goes to a worker goroutine.
func (c *Conn) takeLine(line []byte, msg *wireMsg) {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > c.opts.MaxLine {
		c.logOversize(n)
		return
	}
	if j, ok := c.handleLine(line[:n], msg); ok {
		c.dispatch(j)
	}
}

func (c *Conn) logOversize(n int) {
	c.opts.Logf("childrpc: dropped a line of %d bytes, over the %d-byte limit", n, c.opts.MaxLine)
}

// release empties a line buffer, letting a large one go.
func release(b []byte) []byte {
	if cap(b) > maxKeptBuffer {
		return nil
	}
	return b[:0]
}
