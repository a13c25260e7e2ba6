package cli

import (
	"testing"

	"github.com/devrun-dev/devrun/childrpc"
)

func TestWaiter(t *testing.T) {
	events := []childrpc.Event{
		{Seq: 1, Kind: childrpc.EventBuildStarted, Process: "web"},
		{Seq: 2, Kind: childrpc.EventBuildOK, Process: "web"},
		{Seq: 3, Kind: childrpc.EventStarted, Process: "web"},
		{Seq: 4, Kind: childrpc.EventReady, Process: "web"},
	}
	for _, tc := range []struct {
		cond  string
		after int64
		upTo  int // events applied
		holds bool
	}{
		{condBuilt, -1, 2, true},
		{condRunning, -1, 2, false},
		{condRunning, -1, 3, true},
		{condReady, -1, 3, false},
		{condReady, -1, 4, true},
		{condReady, 3, 4, false}, // the start came before seq 3
	} {
		w := newWaiter(tc.cond, tc.after)
		for _, e := range events[:tc.upTo] {
			w.apply(e)
		}
		if w.holds() != tc.holds || w.failure() != nil {
			t.Errorf("%s after %d, %d events: holds %v, failure %v", tc.cond, tc.after, tc.upTo, w.holds(), w.failure())
		}
	}

	w := newWaiter(condReady, -1)
	w.apply(events[2])
	w.apply(childrpc.Event{Seq: 5, Kind: childrpc.EventExited, Process: "web", Message: "exited with status 1"})
	if f := w.failure(); f == nil || failureMessage(*f) != "web: exited with status 1" {
		t.Errorf("a crash: failure %v", f)
	}
}
