//go:build unix

package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devrun-dev/devrun/internal/testkit"
)

// buildConfig runs the test binary as the build step (in build mode, controlled by the file
// ctl) and as the child (serve mode).
func buildConfig(t *testing.T, ctl, state string) Config {
	if err := os.WriteFile(ctl, []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	self := selfCommand(t)[0]
	return Config{
		Command: []string{self},
		Env:     modeEnv("serve", envBuild+"="+ctl),
		Build:   []string{"/usr/bin/env", envMode + "=build", self},
	}
}

func TestBuildFailureKeepsTheOldChild(t *testing.T) {
	t.Parallel()
	ctl := filepath.Join(t.TempDir(), "ctl")
	h := newHarness(t, buildConfig(t, ctl, "ok"))
	h.waitKind(BuildStart)
	if ok := h.waitKind(BuildOK); !strings.HasPrefix(ok.String(), "build ok in ") {
		t.Fatalf("build ok says %q", ok)
	}
	old := h.waitKind(Started).PID

	os.WriteFile(ctl, []byte("fail"), 0o644)
	h.r.Restart("broken")
	failed := h.waitKind(BuildFailed)
	if s := failed.String(); !strings.HasPrefix(s, "build failed in ") || !strings.HasSuffix(s, "; still running the previous build") {
		t.Fatalf("build failure says %q", s)
	}
	requireAlive(t, old)
	if st := h.r.Status(); st.PID != old || st.State != StateRunning {
		t.Fatalf("status %+v", st)
	}

	os.WriteFile(ctl, []byte("ok"), 0o644)
	h.r.Restart("fixed")
	h.waitKind(BuildOK)
	next := h.waitKind(Started)
	exited := h.indexOf(func(e Event) bool { return e.Kind == Exited && e.PID == old })
	started := h.indexOf(func(e Event) bool { return e.Kind == Started && e.PID == next.PID })
	if exited < 0 || exited > started {
		t.Fatalf("the new child started before the old one exited: %v", h.kinds())
	}
	if n := len(filterKind(h.events.Snapshot(), Started)); n != 2 {
		t.Fatalf("%d starts, want 2 (a failed build starts nothing): %v", n, h.kinds())
	}
}

func TestFirstBuildFailureStartsNothing(t *testing.T) {
	t.Parallel()
	ctl := filepath.Join(t.TempDir(), "ctl")
	h := newHarness(t, buildConfig(t, ctl, "fail"))
	if f := h.waitKind(BuildFailed); !strings.HasSuffix(f.String(), "; waiting for a fix") {
		t.Fatalf("build failure says %q", f)
	}
	if st := h.r.Status(); st.State != StateWaiting || st.PID != 0 {
		t.Fatalf("status %+v", st)
	}
	os.WriteFile(ctl, []byte("ok"), 0o644)
	h.r.Restart("fixed")
	h.waitKind(Started)
	if i := h.indexOf(func(e Event) bool { return e.Kind == Starting }); i < h.indexOf(func(e Event) bool { return e.Kind == BuildOK }) {
		t.Fatalf("started before a build succeeded: %v", h.kinds())
	}
}

// A burst of Restarts during a build kills that build's group and costs one finished build.
func TestRestartDuringBuildCancelsIt(t *testing.T) {
	t.Parallel()
	ctl := filepath.Join(t.TempDir(), "ctl")
	cfg := buildConfig(t, ctl, "block")
	stderr := &testkit.Lines{}
	cfg.Stderr = stderr
	h := newHarness(t, cfg)
	at := 0
	blocked := atoi(t, strings.Fields(stderr.WaitFrom(t, &at, "the build to block", func(s string) bool {
		return strings.HasPrefix(s, "build blocked ")
	}))[2])
	if st := h.r.Status(); st.State != StateBuilding {
		t.Fatalf("status %+v", st)
	}

	os.WriteFile(ctl, []byte("ok"), 0o644)
	for range 5 {
		h.r.Restart("save")
	}
	h.waitKind(BuildCancelled)
	h.waitKind(Started)
	requireGone(t, false, blocked)
	h.stop()
	events := h.events.Snapshot()
	if n := len(filterKind(events, BuildOK)); n != 1 {
		t.Fatalf("%d builds finished, want 1: %v", n, h.kinds())
	}
	if n := len(filterKind(events, Started)); n != 1 {
		t.Fatalf("%d starts, want 1: %v", n, h.kinds())
	}
}

func TestStopDuringBuildKillsIt(t *testing.T) {
	t.Parallel()
	ctl := filepath.Join(t.TempDir(), "ctl")
	cfg := buildConfig(t, ctl, "block")
	stderr := &testkit.Lines{}
	cfg.Stderr = stderr
	h := newHarness(t, cfg)
	at := 0
	blocked := atoi(t, strings.Fields(stderr.WaitFrom(t, &at, "the build to block", func(s string) bool {
		return strings.HasPrefix(s, "build blocked ")
	}))[2])
	h.stop()
	requireGone(t, false, blocked)
	if n := len(filterKind(h.events.Snapshot(), Started)); n != 0 {
		t.Fatalf("started %d children: %v", n, h.kinds())
	}
}
