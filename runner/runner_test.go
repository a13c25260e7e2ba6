//go:build unix

package runner

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartAndStop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("serve")})
	started := h.waitKind(Started)
	pid := atoi(t, h.waitLine("start ")[1])
	if pid != started.PID {
		t.Fatalf("child says pid %d, Started says %d", pid, started.PID)
	}
	st := h.r.Status()
	if st.State != StateRunning || st.PID != pid || st.Restarts != 0 || st.Started.IsZero() {
		t.Fatalf("status %+v", st)
	}
	h.stop()
	exited := h.waitPID(Exited, pid)
	if exited.Signal != syscall.SIGTERM.String() || exited.String() != "killed by signal terminated" {
		t.Fatalf("exit event %+v (%q)", exited, exited)
	}
	requireGone(t, false, pid)
	if st := h.r.Status(); st.State != StateStopped || st.PID != 0 {
		t.Fatalf("status after Run: %+v", st)
	}
	if i := h.indexOf(func(e Event) bool { return e.Kind == Stopping }); i < 0 {
		t.Fatalf("no Stopping event: %v", h.kinds())
	}
	if w := filterKind(h.events.Snapshot(), Warning); len(w) > 0 {
		t.Fatalf("the host is not fully protected: %v", w[0]) // no subreaper or no guardian
	}
}

// The next generation starts only when every process of the previous group is gone: here a
// grandchild that takes its time to die after SIGTERM.
func TestRestartWaitsForTheWholeGroup(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "log")
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("family", envLog+"="+log)})
	first := h.waitLine("pids ")
	leader, grandchild := atoi(t, first[1]), atoi(t, first[2])
	h.r.Restart("test")
	h.waitPID(Exited, leader)
	next := h.waitKind(Started)
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"exit " + first[1], "grandchild-exit " + first[2]} {
		if !strings.Contains(string(b), want+"\n") {
			t.Fatalf("generation %d started before %q was logged; log:\n%s", next.PID, want, b)
		}
	}
	requireGone(t, false, leader, grandchild)
	if st := h.r.Status(); st.Restarts != 1 || st.PID != next.PID {
		t.Fatalf("status %+v", st)
	}
}

func TestGracePeriodThenKill(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("ignoreterm"), Grace: 200 * time.Millisecond})
	pid := atoi(t, h.waitLine("ready ")[1])
	h.stop()
	over := h.waitKind(GraceOver)
	if over.String() != "grace period over; killing the group" {
		t.Fatalf("GraceOver says %q", over)
	}
	if e := h.waitPID(Exited, pid); e.Signal != syscall.SIGKILL.String() {
		t.Fatalf("exit %+v, want killed by SIGKILL", e)
	}
	requireGone(t, false, pid)
}

func TestKillSkipsTheGracePeriod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("ignoreterm"), Grace: time.Hour})
	pid := atoi(t, h.waitLine("ready ")[1])
	h.r.Restart("a stop that would wait an hour")
	h.waitPID(Stopping, pid)
	h.r.Kill()
	if e := h.waitPID(Exited, pid); e.Signal != syscall.SIGKILL.String() {
		t.Fatalf("exit %+v", e)
	}
	h.stop()
	if h.indexOf(func(e Event) bool { return e.Kind == GraceOver }) >= 0 {
		t.Fatalf("grace period ran out: %v", h.kinds())
	}
	// Killed on purpose: nothing was started again.
	if n := len(filterKind(h.events.Snapshot(), Started)); n != 1 {
		t.Fatalf("%d starts, want 1: %v", n, h.kinds())
	}
}

func TestNoOrphansAfterRestarts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("family", envLog+"="+os.DevNull)})
	var pids []int
	for i := 0; i < 6; i++ {
		f := h.waitLine("pids ")
		pids = append(pids, atoi(t, f[1]), atoi(t, f[2]))
		if i < 5 {
			h.r.Restart("test")
		}
	}
	h.stop()
	requireGone(t, false, pids...)
}

// Serial: each crash must come within quickCrashAge of its start to count as "right after
// start", a race a loaded machine may lose.
func TestCrashBackoffThenGiveUp(t *testing.T) {
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("exit", "RUNNER_TEST_CODE=3")}, func(r *Runner) {
		r.policy.minDelay, r.policy.maxDelay = time.Millisecond, 4*time.Millisecond
	})
	for i := 0; i < maxQuickCrashes-1; i++ {
		if e := h.waitKind(Exited); e.ExitCode != 3 || e.String() != "exited with code 3" {
			t.Fatalf("exit %+v", e)
		}
		if b := h.waitKind(Backoff); !strings.HasPrefix(b.String(), "exited with code 3 right after start; restarting in ") {
			t.Fatalf("backoff says %q", b)
		}
	}
	h.waitKind(Exited)
	if g := h.waitKind(GaveUp); g.String() != "crashed 2 times right after start (exit code 3); waiting for a change" {
		t.Fatalf("gave up says %q", g)
	}
	if st := h.r.Status(); st.State != StateWaiting || st.LastExit == nil || st.LastExit.Code != 3 || st.Restarts != maxQuickCrashes-1 {
		t.Fatalf("status %+v", st)
	}
	h.r.Restart("fixed")
	h.waitKind(Started)
}

func TestCleanExitWaitsForRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("exit", "RUNNER_TEST_CODE=0")})
	h.waitKind(Exited)
	if w := h.waitKind(Waiting); w.String() != "exited with code 0; waiting for a change" {
		t.Fatalf("waiting says %q", w)
	}
	if st := h.r.Status(); st.State != StateWaiting {
		t.Fatalf("status %+v", st)
	}
	h.r.Restart("again")
	h.waitKind(Started)
	h.waitKind(Exited)
	h.waitKind(Waiting)
}

func TestAlwaysRestartsACleanExit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("exit", "RUNNER_TEST_CODE=0"), Restart: Always}, func(r *Runner) {
		r.policy.minDelay = time.Millisecond
	})
	h.waitKind(Exited)
	if b := h.waitKind(Backoff); !strings.HasPrefix(b.String(), "exited with code 0; restarting in ") {
		t.Fatalf("backoff says %q", b)
	}
	h.waitKind(Started)
}

func TestNeverRestartsACrash(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("exit", "RUNNER_TEST_CODE=1"), Restart: Never})
	h.waitKind(Exited)
	if w := h.waitKind(Waiting); w.String() != "exited with code 1; waiting for a change" {
		t.Fatalf("waiting says %q", w)
	}
	h.stop()
	if n := len(filterKind(h.events.Snapshot(), Started)); n != 1 {
		t.Fatalf("%d starts: %v", n, h.kinds())
	}
}

func TestStartFailureWaitsForRestart(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	h := newHarness(t, Config{Command: []string{missing, "--flag"}})
	f := h.waitKind(StartFailed)
	if f.Err == nil || !strings.Contains(f.String(), "cannot start "+missing+" --flag: ") {
		t.Fatalf("start failure says %q", f)
	}
	if st := h.r.Status(); st.State != StateWaiting {
		t.Fatalf("status %+v", st)
	}
	// The program appears: the next Restart starts it.
	exe := selfCommand(t)[0]
	if err := os.Symlink(exe, missing); err != nil {
		t.Fatal(err)
	}
	h.r.Restart("created")
	h.waitKind(Started)
}

func TestNotExecutable(t *testing.T) {
	t.Parallel()
	plain := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(plain, []byte("data"), 0o644)
	h := newHarness(t, Config{Command: []string{plain}})
	if f := h.waitKind(StartFailed); !strings.Contains(f.Err.Error(), "not executable") {
		t.Fatalf("error %v", f.Err)
	}
}

func TestStdinGoesToTheCurrentChild(t *testing.T) {
	t.Parallel()
	in, feedIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer feedIn.Close()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("stdin"), Stdin: in})
	first := h.waitLine("start ")[1]
	feedIn.Write([]byte("one\n"))
	if got := h.waitLine(first + " got "); got[2] != "one" {
		t.Fatalf("got %v", got)
	}
	h.r.Restart("test")
	second := h.waitLine("start ")[1]
	feedIn.Write([]byte("two\n"))
	if got := h.waitLine(second + " got "); got[2] != "two" {
		t.Fatalf("got %v", got)
	}
	feedIn.Close()
	h.waitLine(second + " eof")
}

// A Node child gets Node's channel variables only: Node removes them from its own
// environment, so its subprocesses cannot take fd 3 for a channel of theirs.
func TestChildEnvironment(t *testing.T) {
	t.Parallel()
	for _, node := range []bool{false, true} {
		t.Run(map[bool]string{false: "go", true: "node"}[node], func(t *testing.T) {
			h := newHarness(t, Config{
				Name: "web", Command: selfCommand(t), Env: modeEnv("env", "RUNNER_TEST_EXTRA=x", "RUNNER_TEST_EXTRA=y"),
				Node: node, Instance: 2,
			})
			h.waitLine("env done")
			got := map[string]string{}
			for _, line := range h.out.Snapshot() {
				if kv, ok := strings.CutPrefix(line, "env "); ok && kv != "done" {
					k, v, _ := strings.Cut(kv, "=")
					got[k] = v
				}
			}
			want := map[string]string{
				envProcess: "web true", envProtocol: "1 true", envRPCFD: "3 true", envInstance: "2 true",
				envNodeFD: " false", envNodeMode: " false", "RUNNER_TEST_EXTRA": "y true", envShim: " false",
			}
			if node {
				want[envProtocol], want[envRPCFD] = " false", " false"
				want[envNodeFD], want[envNodeMode] = "3 true", "json true"
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: got %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestRunTwiceAndCallsAroundRun(t *testing.T) {
	t.Parallel()
	r, err := New(Config{Command: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Restart("before Run: ignored")
	r.Kill()
	if st := r.Status(); st.State != StateStopped || st.Process != "true" {
		t.Fatalf("status before Run: %+v", st)
	}
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("serve")})
	h.waitKind(Started)
	if err := h.r.Run(t.Context()); err == nil {
		t.Fatal("second Run: no error")
	}
}

func TestNewRejectsBadConfigs(t *testing.T) {
	f, _ := os.Open(os.DevNull)
	defer f.Close()
	for name, cfg := range map[string]Config{
		"empty command":  {},
		"empty argv0":    {Command: []string{""}},
		"empty build":    {Command: []string{"x"}, Build: []string{}},
		"names mismatch": {Command: []string{"x"}, Listeners: []*os.File{f}, ListenerNames: []string{"a", "b"}},
		"name with ':'":  {Command: []string{"x"}, Listeners: []*os.File{f}, ListenerNames: []string{"a:b"}},
		"nil listener":   {Command: []string{"x"}, Listeners: []*os.File{nil}},
		"bad env":        {Command: []string{"x"}, Env: []string{"NOEQUALS"}},
		"negative grace": {Command: []string{"x"}, Grace: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func filterKind(events []Event, k EventKind) []Event {
	var out []Event
	for _, e := range events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// A restart for changed files tells the next generation which, once: the one after a plain
// restart finds nothing.
func TestRestartForPassesTheChangedPaths(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("changed")})
	if got := h.waitLine("changed "); got[2] != "false" {
		t.Fatalf("first generation: %q", got)
	}
	h.r.RestartFor("test", []string{"templates/a.html", "main.go"}, false)
	if got := h.waitLine("changed "); got[2] != "true" || got[3] != `"templates/a.html\nmain.go"` {
		t.Fatalf("after RestartFor: %q", got)
	}
	h.r.Restart("rs")
	if got := h.waitLine("changed "); got[2] != "false" {
		t.Fatalf("after Restart: %q", got)
	}
}

// TestSignalReachesTheChild: Signal passes a signal on without stopping anything (SIGWINCH
// after a resize of devrun's terminal).
func TestSignalReachesTheChild(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("winch")})
	pid := h.waitLine("ready ")[1]
	h.r.Signal(syscall.SIGWINCH)
	if got := h.waitLine("winch ")[1]; got != pid {
		t.Fatalf("SIGWINCH reached pid %s, want %s", got, pid)
	}
	if n := len(filterKind(h.events.Snapshot(), Exited)); n != 0 {
		t.Fatalf("the child exited on a signal meant to be passed on: %v", h.kinds())
	}
}
