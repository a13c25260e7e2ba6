package watcher

import "time"

// clock is the loop's source of time and timers, faked by the debounce tests.
type clock interface {
	Now() time.Time
	NewTimer() timer // a stopped timer
}

// timer is a resettable one-shot timer.
type timer interface {
	C() <-chan time.Time
	Reset(d time.Duration) // (re)arms the timer; a value from an earlier arming is never delivered
	Stop()
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer() timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return realTimer{t}
}

// realTimer relies on Go 1.23 timers: Reset and Stop discard a value not yet received.
type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time   { return r.t.C }
func (r realTimer) Reset(d time.Duration) { r.t.Reset(d) }
func (r realTimer) Stop()                 { r.t.Stop() }
