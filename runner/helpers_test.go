//go:build unix

package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/internal/testkit"
)

// failAfter bounds every wait of the tests: reaching it is a failure (something that should
// have happened did not), never a way to synchronise.
const failAfter = testkit.FailAfter

// harness runs one Runner for a test and records what it says.
type harness struct {
	t       testing.TB
	r       *Runner
	events  testkit.Feed[Event]
	out     *testkit.Lines
	evAt    int // events before this index were consumed by waits
	outAt   int
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

// selfCommand is the test binary as a child in the given mode.
func selfCommand(t testing.TB) []string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{exe}
}

func newHarness(t testing.TB, cfg Config, tune ...func(*Runner)) *harness {
	t.Helper()
	h := &harness{t: t, out: &testkit.Lines{}, done: make(chan error, 1)}
	cfg.OnEvent = func(e Event) { h.events.Add(e) }
	if cfg.Stdout == nil {
		cfg.Stdout = h.out
	}
	if cfg.Stderr == nil {
		cfg.Stderr = testWriter{t}
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tune {
		f(r)
	}
	h.r = r
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- r.Run(ctx) }()
	t.Cleanup(func() {
		if !h.stopped {
			h.r.Kill()
			h.stop()
		}
	})
	return h
}

// stop cancels Run and waits for it to return.
func (h *harness) stop() {
	h.t.Helper()
	h.stopped = true
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatalf("Run: %v", err)
		}
	case <-time.After(failAfter):
		h.t.Fatalf("Run did not return; events %v", h.events.Snapshot())
	}
}

func (h *harness) waitEvent(what string, match func(Event) bool) Event {
	h.t.Helper()
	return h.events.WaitFrom(h.t, &h.evAt, what, match)
}

func (h *harness) waitKind(k EventKind) Event {
	h.t.Helper()
	return h.waitEvent(k.String(), func(e Event) bool { return e.Kind == k })
}

func (h *harness) waitPID(k EventKind, pid int) Event {
	h.t.Helper()
	return h.waitEvent(fmt.Sprintf("%v of pid %d", k, pid), func(e Event) bool { return e.Kind == k && e.PID == pid })
}

// waitLine returns the fields of the next output line starting with prefix.
func (h *harness) waitLine(prefix string) []string {
	h.t.Helper()
	line := h.out.WaitFrom(h.t, &h.outAt, "a line "+prefix, func(s string) bool { return strings.HasPrefix(s, prefix) })
	return strings.Fields(line)
}

// kinds lists the kinds of the events so far, for order checks and failure messages.
func (h *harness) kinds() []EventKind {
	var k []EventKind
	for _, e := range h.events.Snapshot() {
		k = append(k, e.Kind)
	}
	return k
}

// indexOf is the position of the first event matching, or -1.
func (h *harness) indexOf(match func(Event) bool) int {
	for i, e := range h.events.Snapshot() {
		if match(e) {
			return i
		}
	}
	return -1
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("child stderr: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// modeEnv is the environment of a child in the given mode. Under -race a Go program that
// exits sleeps a second first (GORACE atexit_sleep_ms), which only slows the tests down.
func modeEnv(mode string, more ...string) []string {
	return append([]string{envMode + "=" + mode, "GORACE=atexit_sleep_ms=0"}, more...)
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
