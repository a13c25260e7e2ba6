// Package testkit holds what the tests of several packages wait on: a feed of events or lines,
// and the text a process writes. Every wait is bounded by FailAfter, which is a failure (what
// should have happened did not), never a way to synchronise.
package testkit

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// FailAfter bounds every wait.
const FailAfter = 60 * time.Second

// Feed is an append-only record that tests wait on: events, lines of output.
type Feed[T any] struct {
	mu      sync.Mutex
	items   []T
	changed chan struct{}
	ended   bool
}

// Add records v and wakes the waiters.
func (f *Feed[T]) Add(v T) {
	f.mu.Lock()
	f.items = append(f.items, v)
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
	f.mu.Unlock()
}

// End says no item will come any more: a wait for one that did not come fails at once.
func (f *Feed[T]) End() {
	f.mu.Lock()
	f.ended = true
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
	f.mu.Unlock()
}

// Snapshot is every item so far.
func (f *Feed[T]) Snapshot() []T {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]T(nil), f.items...)
}

// WaitFrom returns the first item at or after *from that matches, and moves *from past it.
func (f *Feed[T]) WaitFrom(t testing.TB, from *int, what string, match func(T) bool) T {
	t.Helper()
	deadline := time.NewTimer(FailAfter)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		for i := *from; i < len(f.items); i++ {
			if match(f.items[i]) {
				v := f.items[i]
				*from = i + 1
				f.mu.Unlock()
				return v
			}
		}
		if f.ended {
			f.mu.Unlock()
			t.Fatalf("gave up waiting for %s: the feed ended; got %v", what, f.Snapshot())
		}
		if f.changed == nil {
			f.changed = make(chan struct{})
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("gave up waiting for %s; got %v", what, f.Snapshot())
		}
	}
}

// Lines is an io.Writer that records whole lines in a Feed.
type Lines struct {
	Feed[string]
	mu      sync.Mutex
	partial []byte
}

func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.Add(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
}

// Text is an io.Writer that keeps everything written, partial lines included, and lets a
// test wait for a string in it.
type Text struct {
	mu      sync.Mutex
	buf     strings.Builder
	changed chan struct{}
}

// NewText is an empty Text.
func NewText() *Text { return &Text{changed: make(chan struct{})} }

func (l *Text) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// String is everything written so far.
func (l *Text) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// WaitChange blocks until more is written.
func (l *Text) WaitChange(t testing.TB) {
	t.Helper()
	l.mu.Lock()
	changed := l.changed
	l.mu.Unlock()
	select {
	case <-changed:
	case <-time.After(FailAfter):
		t.Fatalf("nothing more was written within %s; got:\n%s", FailAfter, l.String())
	}
}

// WaitFor blocks until the text contains s.
func (l *Text) WaitFor(t testing.TB, s string) {
	t.Helper()
	l.WaitCount(t, s, 1)
}

// WaitCount blocks until the text holds s n times.
func (l *Text) WaitCount(t testing.TB, s string, n int) {
	t.Helper()
	l.WaitUntil(t, fmt.Sprintf("%q %d time(s)", s, n), func(text string) bool { return strings.Count(text, s) >= n })
}

// WaitUntil blocks until holds says yes of the whole text; what names it in a failure.
func (l *Text) WaitUntil(t testing.TB, what string, holds func(text string) bool) {
	t.Helper()
	deadline := time.After(FailAfter)
	for {
		// The text and the channel under one lock: a write in between is not missed.
		l.mu.Lock()
		ok, changed := holds(l.buf.String()), l.changed
		l.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("the output never held %s; got:\n%s", what, l.String())
		}
	}
}
