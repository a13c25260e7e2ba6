package runner

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestEventStrings(t *testing.T) {
	for _, c := range []struct {
		e    Event
		want string
	}{
		{Event{Kind: Starting, Command: []string{"./server", "--port", "8080"}}, "starting ./server --port 8080"},
		{Event{Kind: Starting, Command: []string{"sh", "-c", "echo 'hi' && sleep 1"}}, `starting sh -c 'echo '\''hi'\'' && sleep 1'`},
		{Event{Kind: Started, PID: 123}, "started (pid 123)"},
		{Event{Kind: Exited, PID: 123, ExitCode: 2}, "exited with code 2"},
		{Event{Kind: Exited, PID: 123, ExitCode: -1, Signal: "terminated"}, "killed by signal terminated"},
		{Event{Kind: Backoff, ExitCode: 1, Reason: "right after start", Duration: 100 * time.Millisecond}, "exited with code 1 right after start; restarting in 100ms"},
		{Event{Kind: Backoff, ExitCode: 2, Duration: 1600 * time.Millisecond}, "exited with code 2; restarting in 1.6s"},
		{Event{Kind: Backoff, ExitCode: -1, Signal: "segmentation fault", Duration: 400 * time.Millisecond}, "killed by signal segmentation fault; restarting in 400ms"},
		{Event{Kind: GaveUp, ExitCode: 1, Reason: "crashed 2 times right after start"}, "crashed 2 times right after start (exit code 1); waiting for a change"},
		{Event{Kind: Waiting}, "exited with code 0; waiting for a change"},
		{Event{Kind: Waiting, ExitCode: 3, Reason: "a build is running"}, "exited with code 3 while a build is running"},
		{Event{Kind: BuildStart, Command: []string{"go", "build", "-o", "/tmp/x", "."}}, "building: go build -o /tmp/x ."},
		{Event{Kind: BuildOK, Duration: 412345678}, "build ok in 412ms"},
		{Event{Kind: BuildFailed, Duration: 380 * time.Millisecond, Reason: "still running the previous build"}, "build failed in 380ms; still running the previous build"},
		{Event{Kind: BuildFailed, Err: errors.New("make: not found in PATH"), Reason: "waiting for a change"}, "build failed: make: not found in PATH; waiting for a change"},
		{Event{Kind: BuildCancelled, Reason: "rebuilding"}, "build cancelled: rebuilding"},
		{Event{Kind: GraceOver, PID: 9}, "grace period over; killing the group"},
		{Event{Kind: Hello, Methods: []string{"reload", "stats"}}, "methods: reload, stats"},
		{Event{Kind: Hello}, "methods: none"},
		{Event{Kind: Stopping, PID: 7, Signal: "terminated"}, "stopping (pid 7, terminated)"},
		{Event{Kind: Ready, PID: 7, Reason: "devrun.ready"}, "ready (pid 7) via devrun.ready"},
		{Event{Kind: Restarting, Reason: "requested by the child: reload"}, "restarting: requested by the child: reload"},
		{Event{Kind: StartFailed, Command: []string{"./x"}, Err: errors.New("./x: no such file or directory")}, "cannot start ./x: ./x: no such file or directory; waiting for a change"},
		{Event{Kind: ChildEvent, Value: json.RawMessage(`{"cmd":"x"}`)}, `child sent {"cmd":"x"}`},
		{Event{Kind: ChannelError, Reason: "bad line"}, "channel: bad line"},
		{Event{Kind: Warning, Reason: "less protection", Err: errors.New("no guardian")}, "warning: less protection: no guardian"},
		{Event{Kind: EventKind(99)}, "EventKind(99)"},
	} {
		if got := c.e.String(); got != c.want {
			t.Errorf("%v: got %q, want %q", c.e.Kind, got, c.want)
		}
	}
	if BuildOK.String() != "build-ok" || Warning.String() != "warning" {
		t.Errorf("kind names: %q %q", BuildOK, Warning)
	}
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv([]string{"A=1", "B=2", "A=3"}, []string{"B=4", "C=5"})
	want := []string{"A=3", "B=4", "C=5"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if w := withoutVars([]string{"LISTEN_FDS=2", "X=1", "DEVRUN_RPC_FD=5"}, inheritedProtocolVars); len(w) != 1 || w[0] != "X=1" {
		t.Fatalf("withoutVars: %v", w)
	}
}
