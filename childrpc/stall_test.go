package childrpc

import (
	"testing"
	"time"
)

// TestStallCheck: writes that each end soon never trip the check however long they go
// on; one that does not end trips it, also after a quiet spell in which the timer went
// off (the next write must arm it again).
func TestStallCheck(t *testing.T) {
	const timeout = 20 * time.Millisecond
	stalled := make(chan struct{}, 1)
	var s stallCheck
	s.init(timeout, func() { stalled <- struct{}{} })

	for deadline := time.Now().Add(4 * timeout); time.Now().Before(deadline); {
		s.begin()
		s.end()
		time.Sleep(time.Millisecond) // a stream of short writes, not a synchronisation
	}
	select {
	case <-stalled:
		t.Fatal("short writes were taken for a stalled one")
	default:
	}

	time.Sleep(3 * timeout) // quiet: the timer fires, finds no write and stays off
	if s.armed.Load() {
		t.Fatal("the timer is still armed after a quiet spell")
	}
	start := time.Now()
	s.begin() // never ends
	select {
	case <-stalled:
		if waited := time.Since(start); waited < timeout {
			t.Fatalf("stall reported after %v, before the %v timeout", waited, timeout)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a write that never ends was not reported")
	}
}
