package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	sess "github.com/devrun-dev/devrun/session"
)

// TestEventsThroughSaveBreakFixCrash follows a Go-mode devrun with `devrun events --json`
// through a save, a failed build, the fix, a crash and the end of devrun.
func TestEventsThroughSaveBreakFixCrash(t *testing.T) {
	t.Parallel()
	dir := writeGoModule(t, "v1")
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, "--name", "app", ".")
	first := rep.next(t, "start")

	// It connected late: the kept events tell what happened so far.
	ev := startEvents(t, "app", "--since", "0")
	if e := ev.next(t, childrpc.EventBuildOK); e.DurationMS <= 0 || e.Devrun != "app" || e.Process == "" {
		t.Fatalf("build-ok: %+v", e)
	}
	if e := ev.next(t, childrpc.EventStarted); e.PID != atoi(t, pidOf(first)) || e.Generation != 1 {
		t.Fatalf("started: %+v, want pid %s generation 1", e, pidOf(first))
	}
	if e := ev.next(t, childrpc.EventReady); !e.Assumed || e.Generation != 1 {
		t.Fatalf("ready: %+v, want an assumed ready (the program never says so)", e)
	}

	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v2", 1))
	if e := ev.next(t, childrpc.EventChange); len(e.Paths) != 1 || e.Paths[0] != "main.go" {
		t.Fatalf("change: %+v", e)
	}
	ev.next(t, childrpc.EventBuildStarted)
	ev.next(t, childrpc.EventBuildOK, childrpc.EventBuildFailed)
	if e := ev.next(t, childrpc.EventExited); !e.ByDevrun || e.PID != atoi(t, pidOf(first)) {
		t.Fatalf("exited: %+v, want the first program stopped by devrun", e)
	}
	second := rep.next(t, "start")
	if e := ev.next(t, childrpc.EventStarted); e.PID != atoi(t, pidOf(second)) || e.Generation != 2 {
		t.Fatalf("started: %+v, want pid %s generation 2", e, pidOf(second))
	}

	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {\n\tundefinedThing()\n}\n")
	ev.next(t, childrpc.EventBuildStarted)
	e := ev.next(t, childrpc.EventBuildFailed, childrpc.EventBuildOK)
	if !strings.Contains(e.Output, "undefined: undefinedThing") || e.Reason != "still running the previous build" {
		t.Fatalf("build-failed: want the compiler's output and what runs now: %+v", e)
	}
	// wait and the MCP server tell the same story.
	if _, errOut, code := client(t, "", "wait", "--built", "--timeout", "10s"); code != 1 || !strings.Contains(errOut, "undefined: undefinedThing") {
		t.Fatalf("wait --built after a failed build: exit %d, %q", code, errOut)
	}
	if out := mcpCallOnce(t, "build_error", `{"name":"app"}`); !strings.Contains(out, "undefined: undefinedThing") {
		t.Fatalf("build_error: %s", out)
	}

	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v3", 1))
	ev.next(t, childrpc.EventBuildOK, childrpc.EventBuildFailed)
	third := rep.next(t, "start")
	ev.next(t, childrpc.EventStarted)

	// A crash: the program is killed by someone else than devrun.
	syscall.Kill(atoi(t, pidOf(third)), syscall.SIGKILL)
	if e := ev.next(t, childrpc.EventExited); e.ByDevrun || e.Signal != "killed" || e.ExitCode != nil {
		t.Fatalf("exited: %+v, want killed, not by devrun", e)
	}
	rep.next(t, "start") // restarted after the backoff

	d.cmd.Process.Signal(syscall.SIGINT)
	ev.next(t, childrpc.EventStopped)
	select {
	case <-ev.done:
	case <-time.After(30 * time.Second):
		t.Fatal("devrun events did not end when devrun stopped")
	}
	if code := ev.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("devrun events: exit %d", code)
	}
}

// TestEventsCommandLine: an unknown name or kind is a clear error and exit status 2, the
// readable form is one line per event, and logs --json is JSON.
func TestEventsCommandLine(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	startRPCDevrun(t, "solo", rep)
	if _, errOut, code := client(t, "", "events", "nosuch"); code != 2 || !strings.Contains(errOut, `no devrun named "nosuch"`) {
		t.Fatalf("events nosuch: code %d, %q", code, errOut)
	}
	if _, errOut, code := client(t, "", "events", "--kind", "started,bogus"); code != 2 || !strings.Contains(errOut, `unknown event kind "bogus"`) {
		t.Fatalf("events --kind bogus: code %d, %q", code, errOut)
	}
	out, _, code := client(t, "", "events", "--no-follow", "--kind", "started")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, "started (pid") {
		t.Fatalf("events --no-follow --kind started: code %d, %q", code, out)
	}
	// logs --json uses the events' names for the same things.
	out, _, _ = client(t, "", "logs", "--json")
	var l map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &l); err != nil || l["time"] == nil || l["stream"] != "devrun" {
		t.Fatalf("logs --json: %v %q", err, out)
	}
	for _, sub := range []string{"events", "wait", "mcp"} {
		if out, _, code := client(t, "", sub, "-h"); code != 0 || strings.Count(out, "Usage:") != 1 {
			t.Fatalf("%s -h: code %d\n%s", sub, code, out)
		}
	}
}

// TestEventsEndWhenDevrunIsKilled: a devrun killed with SIGKILL cannot say it stopped; the
// stream still ends, with a stopped event.
func TestEventsEndWhenDevrunIsKilled(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	d, _ := startRPCDevrun(t, "doomed", rep)
	ev := startEvents(t, "-n", "doomed", "--since", "0")
	ev.next(t, childrpc.EventStarted)
	d.cmd.Process.Kill()
	if e := ev.next(t, childrpc.EventStopped); e.Message != "devrun went away" || e.Devrun != "doomed" {
		t.Fatalf("stopped: %+v", e)
	}
	select {
	case <-ev.done:
	case <-time.After(30 * time.Second):
		t.Fatal("devrun events did not end when devrun was killed")
	}
}

// TestEventsBuildOutputIsCut: a failed build's output is kept cut to a few KiB, at a line's
// end, and marked as cut.
func TestEventsBuildOutputIsCut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ev := eventsFromStart(t)
	startDevrun(t, dir, nil, "--name", "noisy", "-w", dir, "--build",
		`i=0; while [ $i -lt 400 ]; do echo "error $i: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" >&2; i=$((i+1)); done; exit 1`, "--", "true")
	e := ev.next(t, childrpc.EventBuildFailed)
	if !e.OutputCut || len(e.Output) > sess.MaxEventOutput || len(e.Output) < sess.MaxEventOutput/2 ||
		!strings.HasPrefix(e.Output, "error 0: ") || !strings.HasSuffix(e.Output, "x\n") {
		t.Fatalf("build-failed output: cut %v, %d bytes, %q...%q", e.OutputCut, len(e.Output), e.Output[:min(len(e.Output), 20)], e.Output[max(len(e.Output)-20, 0):])
	}
}
