package session

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/devrun-dev/devrun/childrpc"
)

// DefaultLogLines is how many lines a devrun keeps for `devrun logs`.
const DefaultLogLines = 1000

// maxLogText bounds each kept line, so that the ring holds at most DefaultLogLines times
// that many bytes whatever a program prints or a peer sends.
const maxLogText = 2 << 10

// Logs keeps the last lines in memory, bounded in lines and in bytes, and hands new ones to
// followers. A slow follower loses lines rather than slowing the child down.
type Logs struct {
	mu        sync.Mutex
	lines     []childrpc.LogLine
	next      int
	full      bool
	followers map[chan childrpc.LogLine]struct{}
	watchers  []func(childrpc.LogLine)
}

// NewLogs keeps the last capacity lines.
func NewLogs(capacity int) *Logs {
	return &Logs{lines: make([]childrpc.LogLine, capacity), followers: map[chan childrpc.LogLine]struct{}{}}
}

func (r *Logs) Add(stream, text string) {
	r.AddLine(childrpc.LogLine{Time: time.Now(), Stream: stream, Text: text})
}

func (r *Logs) AddLine(l childrpc.LogLine) {
	l.Text = CutText(l.Text, maxLogText)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines[r.next] = l
	r.next = (r.next + 1) % len(r.lines)
	if r.next == 0 {
		r.full = true
	}
	for _, f := range r.watchers {
		f(l)
	}
	for ch := range r.followers {
		select {
		case ch <- l:
		default:
		}
	}
}

// Last returns up to n of the most recent lines, oldest first.
func (r *Logs) Last(n int) []childrpc.LogLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastLocked(n)
}

func (r *Logs) lastLocked(n int) []childrpc.LogLine {
	count := r.next
	if r.full {
		count = len(r.lines)
	}
	n = min(n, count)
	out := make([]childrpc.LogLine, 0, n)
	for i := count - n; i < count; i++ {
		idx := i
		if r.full {
			idx = (r.next + i) % len(r.lines)
		}
		out = append(out, r.lines[idx])
	}
	return out
}

// Follow returns the last n lines and, atomically with them, a channel of every later line.
func (r *Logs) Follow(n int) ([]childrpc.LogLine, <-chan childrpc.LogLine, func()) {
	ch := make(chan childrpc.LogLine, 256)
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

// Watch makes f see every later line, none lost (a follower may lose some): f runs as the line
// is kept, under the ring's lock, and must not block.
func (r *Logs) Watch(f func(childrpc.LogLine)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watchers = append(r.watchers, f)
}

// Serve answers childrpc.MethodLogs on a control connection: the backlog as devrun.log
// notifications, one line each (a big backlog never makes one message over the line limit),
// then how many it sent; a follower then gets each new line the same way until it hangs up.
func (r *Logs) Serve(ctx context.Context, conn *childrpc.Conn, params json.RawMessage) (any, error) {
	var p childrpc.LogsParams
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: childrpc.MethodLogs + ": " + err.Error()}
		}
	}
	n := 100
	if p.Lines != nil {
		n = max(*p.Lines, 0)
	}
	var backlog []childrpc.LogLine
	var lines <-chan childrpc.LogLine
	unfollow := func() {}
	if p.Follow {
		backlog, lines, unfollow = r.Follow(n)
	} else {
		backlog = r.Last(n)
	}
	for _, l := range backlog {
		if err := conn.Notify(ctx, childrpc.MethodLog, l); err != nil {
			unfollow()
			return nil, err
		}
	}
	if p.Follow {
		go func() {
			defer unfollow()
			for {
				select {
				case l := <-lines:
					if err := conn.Notify(context.Background(), childrpc.MethodLog, l); err != nil {
						return
					}
				case <-conn.Done():
					return
				}
			}
		}()
	}
	return childrpc.LogsResult{Lines: len(backlog)}, nil
}

// CutText shortens s to at most max bytes (at a character boundary), saying how much it cut.
func CutText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s… [cut: %d more bytes]", s[:n], len(s)-n)
}
