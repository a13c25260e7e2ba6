package main

import (
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/devrun-dev/devrun/childrpc"
)

const defaultLogLines = 1000

// maxLogText bounds each kept line, so that the ring holds at most defaultLogLines times
// that many bytes whatever a program prints or a peer sends.
const maxLogText = 2 << 10

// logLine is one line of a child's output or one of devrun's own lines, as `devrun logs` shows it.
type logLine = childrpc.LogLine

// logRing keeps the last lines in memory, bounded in lines and in bytes, and hands new ones to
// followers. A slow follower loses lines rather than slowing the child down.
type logRing struct {
	mu        sync.Mutex
	lines     []logLine
	next      int
	full      bool
	followers map[chan logLine]struct{}
}

func newLogRing(capacity int) *logRing {
	return &logRing{lines: make([]logLine, capacity), followers: map[chan logLine]struct{}{}}
}

func (r *logRing) add(stream, text string) {
	r.addLine(logLine{Time: time.Now(), Stream: stream, Text: text})
}

func (r *logRing) addLine(l logLine) {
	l.Text = cutText(l.Text, maxLogText)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines[r.next] = l
	r.next = (r.next + 1) % len(r.lines)
	if r.next == 0 {
		r.full = true
	}
	for ch := range r.followers {
		select {
		case ch <- l:
		default:
		}
	}
}

// last returns up to n of the most recent lines, oldest first.
func (r *logRing) last(n int) []logLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastLocked(n)
}

func (r *logRing) lastLocked(n int) []logLine {
	count := r.next
	if r.full {
		count = len(r.lines)
	}
	n = min(n, count)
	out := make([]logLine, 0, n)
	for i := count - n; i < count; i++ {
		idx := i
		if r.full {
			idx = (r.next + i) % len(r.lines)
		}
		out = append(out, r.lines[idx])
	}
	return out
}

// follow returns the last n lines and, atomically with them, a channel of every later line.
func (r *logRing) follow(n int) ([]logLine, <-chan logLine, func()) {
	ch := make(chan logLine, 256)
	r.mu.Lock()
	backlog := r.lastLocked(n)
	r.followers[ch] = struct{}{}
	r.mu.Unlock()
	return backlog, ch, func() {
		r.mu.Lock()
		delete(r.followers, ch)
		r.mu.Unlock()
	}
}

// cutText shortens s to at most max bytes (at a character boundary), saying how much it cut.
func cutText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s… [cut: %d more bytes]", s[:n], len(s)-n)
}
