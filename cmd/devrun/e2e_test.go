package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/devrun-dev/devrun/childrpc"
)

// childArgs makes devrun run this test binary as the child in the given mode.
func childArgs(mode ...string) []string {
	return append([]string{"--env", "DEVRUN_TEST_AS=child", "--", os.Args[0]}, mode...)
}

func TestRestartOnSaveInputAndInterrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "one")
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, append([]string{"-w", dir, "-d", "10ms"}, childArgs("serve")...)...)

	first := rep.next(t, "start")
	ev := startEvents(t, "--since", "0")
	writeFile(t, filepath.Join(dir, "a.txt"), "two")
	second := rep.replaced(t, first)
	if pidOf(first) == pidOf(second) {
		t.Fatalf("a save should stop %q and start a new child; got %q", first, second)
	}
	ev.changeOf(t, "a.txt")
	if e := ev.next(t, childrpc.EventExited); !e.ByDevrun || e.PID != atoi(t, pidOf(first)) {
		t.Fatalf("the save's restart as an event: %+v, want pid %s stopped by devrun", e, pidOf(first))
	}

	fmt.Fprintln(d.stdin, "hello child")
	if got := rep.next(t, "stdin"); got != "stdin hello child" {
		t.Fatalf("stdin line: got %q", got)
	}

	fmt.Fprintln(d.stdin, "rs")
	third := rep.replaced(t, second)

	d.cmd.Process.Signal(syscall.SIGINT)
	rep.next(t, "stop "+pidOf(third))
	if code := d.wait(t); code != 130 {
		t.Fatalf("devrun after SIGINT exited %d, want 130", code)
	}
}

func TestCrashRestartsAndCleanExitWaits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, append([]string{"--name", "crashy", "-w", dir}, childArgs("exit", "3")...)...)
	rep.next(t, "start")
	rep.next(t, "start") // the crash was restarted after the backoff
	// What happened, as the event stream says it (the kept events, from the first).
	ev := startEvents(t, "crashy", "--since", "0")
	first := ev.next(t, childrpc.EventStarted)
	exited := ev.next(t, childrpc.EventExited)
	if exited.ExitCode == nil || *exited.ExitCode != 3 || exited.ByDevrun || exited.Generation != first.Generation {
		t.Fatalf("the crash as an event: %+v", exited)
	}
	if again := ev.next(t, childrpc.EventStarted); again.Generation != first.Generation+1 {
		t.Fatalf("the restart after the crash: %+v", again)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t); code != 143 {
		t.Fatalf("devrun after SIGTERM exited %d, want 143", code)
	}
	ev.next(t, childrpc.EventStopped)

	rep2 := newReporter(t)
	d2 := startDevrun(t, dir, rep2, append([]string{"--name", "clean", "-w", dir}, childArgs("exit", "0")...)...)
	rep2.next(t, "start")
	ev2 := startEvents(t, "clean", "--since", "0")
	if e := ev2.next(t, childrpc.EventExited); e.ExitCode == nil || *e.ExitCode != 0 {
		t.Fatalf("the clean exit as an event: %+v", e)
	}
	writeFile(t, filepath.Join(dir, "b.txt"), "x") // a clean exit waits for a change
	ev2.next(t, childrpc.EventChange, childrpc.EventStarted)
	ev2.next(t, childrpc.EventStarted)
	rep2.next(t, "start")
	d2.cmd.Process.Signal(syscall.SIGTERM)
	d2.wait(t)
}

func TestKilledDevrunLeavesNothingRunning(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			rep := newReporter(t)
			d := startDevrun(t, dir, rep, append([]string{"-w", dir}, childArgs("grandchild")...)...)
			child := pidOf(rep.next(t, "start"))
			grandchild := pidOf(rep.next(t, "grandchild"))
			d.cmd.Process.Signal(sig)
			d.wait(t)
			waitGone(t, atoi(t, child))
			waitGone(t, atoi(t, grandchild))
		})
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus", "--", "true"}, "unknown flag: --bogus"},
		{[]string{}, "no TARGET given"},
		{[]string{"-d", "soon", "--", "true"}, "not a duration"},
		{[]string{"-s", "SIGFOO", "--", "true"}, "not a signal"},
		{[]string{"--restart", "sometimes", "--", "true"}, "sometimes"},
		{[]string{"--env", "NOEQUALS", "--", "true"}, "not KEY=VALUE"},
		{[]string{"-w", filepath.Join(dir, "missing"), "--", "true"}, "missing"},
		{[]string{"--", "no-such-program-devrun-test"}, "no-such-program-devrun-test"},
		{[]string{"--listen", "nonsense", "--", "true"}, "nonsense"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			d := startDevrun(t, dir, nil, c.args...)
			if code := d.wait(t); code != 2 {
				t.Fatalf("exit status %d, want 2; output:\n%s", code, d.stderr.String())
			}
			if out := d.stderr.String(); !strings.Contains(out, c.want) || strings.Count(strings.TrimSpace(out), "\n") > 1 {
				t.Fatalf("want one clear line containing %q, got:\n%s", c.want, out)
			}
		})
	}
}

func pidOf(report string) string {
	f := strings.Fields(report)
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
