package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/testkit"
)

// eventsProc is a running `devrun events --json`: what a test waits on when its subject is
// what happened (a change, a build, a start, an exit, readiness), not the words devrun says.
type eventsProc struct {
	cmd  *exec.Cmd
	feed testkit.Feed[childrpc.Event]
	at   int // events before this index were consumed by waits
	done chan struct{}
}

// startEvents runs `devrun events --json ARGS` against the test's devruns; with --since 0,
// the kept events of one that runs already come first.
func startEvents(t *testing.T, args ...string) *eventsProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"events", "--json"}, args...)...)
	cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "NO_COLOR=1", "XDG_RUNTIME_DIR="+runtimeDir(t))
	errOut := testkit.NewText()
	cmd.Stderr = errOut
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &eventsProc{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer p.feed.End()
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e childrpc.Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("events --json printed a line that is not an event: %q", sc.Text())
				continue
			}
			p.feed.Add(e)
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() && errOut.String() != "" {
			t.Logf("devrun events said: %s", errOut.String())
		}
	})
	return p
}

// eventsFromStart follows every devrun of the test, from its first event, whether it runs
// already or starts later: a test may start it before its devrun.
func eventsFromStart(t *testing.T) *eventsProc {
	t.Helper()
	return startEvents(t, "--all", "--since", "0")
}

// next returns the next event of kind, failing on any event of a kind in unwanted first.
func (p *eventsProc) next(t *testing.T, kind childrpc.EventKind, unwanted ...childrpc.EventKind) childrpc.Event {
	t.Helper()
	e := p.waitFor(t, fmt.Sprintf("a %s event", kind), func(e childrpc.Event) bool {
		return e.Kind == kind || slices.Contains(unwanted, e.Kind)
	})
	if e.Kind != kind {
		t.Fatalf("got %s (%s) before %s", e.Kind, e.Message, kind)
	}
	return e
}

// waitFor returns the next event that matches, what naming it in a failure.
func (p *eventsProc) waitFor(t *testing.T, what string, match func(childrpc.Event) bool) childrpc.Event {
	t.Helper()
	return p.feed.WaitFrom(t, &p.at, what, match)
}

// changeOf waits for the change event of exactly these paths.
func (p *eventsProc) changeOf(t *testing.T, paths ...string) childrpc.Event {
	t.Helper()
	return p.waitFor(t, fmt.Sprintf("a change of %v", paths), func(e childrpc.Event) bool {
		return e.Kind == childrpc.EventChange && slices.Equal(e.Paths, paths)
	})
}

// stopped waits for the end of the devrun's story, and returns all of it.
func (p *eventsProc) stopped(t *testing.T) []childrpc.Event {
	t.Helper()
	p.next(t, childrpc.EventStopped)
	return p.feed.Snapshot()
}

// countKind is how many of events are of kind (and of process, if given).
func countKind(events []childrpc.Event, kind childrpc.EventKind, process ...string) int {
	n := 0
	for _, e := range events {
		if e.Kind == kind && (len(process) == 0 || e.Process == process[0]) {
			n++
		}
	}
	return n
}

// changed says whether a change event names a path that contains s.
func changed(events []childrpc.Event, s string) bool {
	for _, e := range events {
		if e.Kind == childrpc.EventChange && slices.ContainsFunc(e.Paths, func(p string) bool { return strings.Contains(p, s) }) {
			return true
		}
	}
	return false
}
