package session

import (
	"context"
	"sync"
	"time"
)

// Readiness is whether a process has said it is ready (its first instance: devrun.ready,
// "ready", READY=1), for the processes that depend on it.
type Readiness struct {
	Name    string
	Timeout time.Duration // how long a dependant waits before it starts anyway
	once    sync.Once
	ready   chan struct{}
}

// NewReadiness is the readiness of the process called name.
func NewReadiness(name string, timeout time.Duration) *Readiness {
	return &Readiness{Name: name, Timeout: timeout, ready: make(chan struct{})}
}

// Ready records that the process is ready; later calls do nothing.
func (r *Readiness) Ready() { r.once.Do(func() { close(r.ready) }) }

// WaitFor holds a process back until each of deps is ready, or until its Timeout passes (a
// program that never says it is ready must not block the others): then late is called with
// its name, and the wait goes on to the next. It returns false when ctx ends first.
func WaitFor(ctx context.Context, deps []*Readiness, late func(dep *Readiness)) bool {
	for _, d := range deps {
		timer := time.NewTimer(d.Timeout)
		select {
		case <-d.ready:
		case <-timer.C:
			late(d)
		case <-ctx.Done():
			timer.Stop()
			return false
		}
		timer.Stop()
	}
	return true
}
