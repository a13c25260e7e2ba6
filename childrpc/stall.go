package childrpc

import (
	"sync/atomic"
	"time"
)

// stallCheck calls its stall func when one write has waited on the peer for the whole
// timeout. Arming a timer for every write would be simpler, but each arming wakes an idle
// thread of the Go runtime (the timer may be due before whatever it sleeps for), which
// measurably slows every call on a small machine. So one timer is armed by the first
// write after a quiet spell and checks, when it fires, the write in progress: it re-arms
// itself for what is left of the timeout while writes go on, and stays off once they stop.
type stallCheck struct {
	timeout time.Duration
	timer   *time.Timer
	since   atomic.Int64 // when the write in progress began (UnixNano), 0 when none
	armed   atomic.Bool
	stall   func()
}

func (s *stallCheck) init(timeout time.Duration, stall func()) {
	s.timeout, s.stall = timeout, stall
	s.timer = time.AfterFunc(time.Hour, s.check)
	s.timer.Stop()
}

// begin marks the start of a write.
func (s *stallCheck) begin() {
	s.since.Store(time.Now().UnixNano())
	if s.armed.CompareAndSwap(false, true) {
		s.timer.Reset(s.timeout)
	}
}

// end marks the end of a write.
func (s *stallCheck) end() { s.since.Store(0) }

func (s *stallCheck) check() {
	since := s.since.Load()
	if since == 0 {
		s.armed.Store(false)
		// A write that began just before the Store saw the timer armed and left it to us.
		if s.since.Load() == 0 || !s.armed.CompareAndSwap(false, true) {
			return
		}
		since = s.since.Load()
		if since == 0 {
			since = time.Now().UnixNano()
		}
	}
	waited := time.Since(time.Unix(0, since))
	if waited >= s.timeout {
		s.stall()
		return
	}
	s.timer.Reset(s.timeout - waited)
}
