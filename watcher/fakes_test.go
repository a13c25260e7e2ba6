package watcher

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock whose time moves only when the test says so.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer() timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{clk: c, c: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves time on and fires the timers that are due; it returns how many fired.
func (c *fakeClock) Advance(d time.Duration) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	fired := 0
	for _, t := range c.timers {
		if t.armed && !t.at.After(c.now) {
			t.armed = false
			t.c <- c.now
			fired++
		}
	}
	return fired
}

// armed is how many timers are waiting to fire.
func (c *fakeClock) armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if t.armed {
			n++
		}
	}
	return n
}

type fakeTimer struct {
	clk   *fakeClock
	c     chan time.Time
	at    time.Time
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Reset(d time.Duration) {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	select {
	case <-t.c:
	default:
	}
	t.at = t.clk.now.Add(d)
	t.armed = true
}

func (t *fakeTimer) Stop() {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	select {
	case <-t.c:
	default:
	}
	t.armed = false
}

// fakeNotifier stands in for the kernel: the test sends the events. Folders get ids by
// path, so that a test can name a folder's id before the watcher adds it.
type fakeNotifier struct {
	events chan []event
	errs   chan error
	mu     sync.Mutex
	ids    map[string]int32
	added  []string
}

func newFakeNotifier() *fakeNotifier {
	return &fakeNotifier{events: make(chan []event, 64), errs: make(chan error, 4), ids: map[string]int32{}}
}

// id is the watch id the folder at path gets (or got).
func (n *fakeNotifier) id(path string) int32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	id, ok := n.ids[path]
	if !ok {
		id = int32(len(n.ids) + 1)
		n.ids[path] = id
	}
	return id
}

func (n *fakeNotifier) Add(p string) (int32, error) {
	p = strings.Clone(p)
	id := n.id(p)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.added = append(n.added, p)
	return id, nil
}
func (n *fakeNotifier) Remove(int32) error     { return nil }
func (n *fakeNotifier) Events() <-chan []event { return n.events }
func (n *fakeNotifier) Errors() <-chan error   { return n.errs }
func (n *fakeNotifier) Close() error           { return nil }

// stepper lets a test wait until the loop has handled a wake-up.
type stepper chan struct{}

func newStepper() stepper { return make(stepper, 1024) }

func (s stepper) hook() func() { return func() { s <- struct{}{} } }

func (s stepper) wait(t *testing.T) {
	t.Helper()
	select {
	case <-s:
	case <-time.After(guard):
		t.Fatal("the loop did not wake up")
	}
}
