package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// goProgram is a small main package that reports "start <pid> <version>" to the test.
const goProgram = `package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

const version = "VERSION"

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	c, err := net.Dial("unix", os.Getenv("DEVRUN_TEST_REPORT"))
	if err != nil {
		os.Exit(3)
	}
	fmt.Fprintf(c, "start %d %s\n", os.Getpid(), version)
	<-sigs
	fmt.Fprintf(c, "stop %d\n", os.Getpid())
}
`

func writeGoModule(t *testing.T, version string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", version, 1))
	writeFile(t, filepath.Join(dir, "main_test.go"), "package main\n")
	return dir
}

// TestGoModeBuildBreakFix runs a Go package, breaks it, checks the old program keeps running,
// fixes it and checks the new one runs; test files do not trigger a rebuild.
func TestGoModeBuildBreakFix(t *testing.T) {
	dir := writeGoModule(t, "v1")
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, ".")
	first := rep.next(t, "start")
	if !strings.HasSuffix(first, " v1") {
		t.Fatalf("first start: %q", first)
	}
	d.stderr.waitFor(t, "build ok in")

	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {\n") // a syntax error
	d.stderr.waitFor(t, "still running the previous build")
	if err := syscall.Kill(atoi(t, pidOf(first)), 0); err != nil {
		t.Fatalf("the old program is gone after a failed build: %v", err)
	}

	writeFile(t, filepath.Join(dir, "main_test.go"), "package main\n\n// edited\n")
	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v2", 1))
	rep.next(t, "stop "+pidOf(first))
	second := rep.next(t, "start")
	if !strings.HasSuffix(second, " v2") {
		t.Fatalf("after the fix: %q", second)
	}
	d.cmd.Process.Signal(syscall.SIGINT)
	d.wait(t)
	if strings.Count(d.stderr.String(), "build ok") != 2 {
		t.Fatalf("want exactly two builds (the _test.go edit must not build):\n%s", d.stderr.String())
	}
}

// TestGoModeChangeCancelsBuild saves during a build: that build is killed and one new build
// finishes, starting one new program.
func TestGoModeChangeCancelsBuild(t *testing.T) {
	dir := writeGoModule(t, "v1")
	marker := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(marker, 0o600); err != nil {
		t.Fatal(err)
	}
	rep := newReporter(t)
	// The extra build step blocks on a fifo the test opens, so the test decides when it ends.
	d := startDevrun(t, dir, rep, "-v", "--build", "echo build-step-waiting; cat "+marker, ".")

	release := func() {
		f, err := os.OpenFile(marker, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	d.stderr.waitFor(t, "build-step-waiting")
	release()
	first := rep.next(t, "start")

	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v2", 1))
	waitCount(t, d.stderr, "build-step-waiting", 2)
	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v3", 1))
	d.stderr.waitFor(t, "build cancelled")
	waitCount(t, d.stderr, "build-step-waiting", 3)
	release()
	rep.next(t, "stop "+pidOf(first))
	if got := rep.next(t, "start"); !strings.HasSuffix(got, " v3") {
		t.Fatalf("after the cancelled build: %q, want v3", got)
	}
	d.cmd.Process.Signal(syscall.SIGINT)
	d.wait(t)
	if n := strings.Count(d.stderr.String(), "build ok"); n != 2 {
		t.Fatalf("%d builds finished, want 2 (the first and the one after the last save):\n%s", n, d.stderr.String())
	}
}

// waitCount waits until s appears n times in the output.
func waitCount(t *testing.T, l *lineLog, s string, n int) {
	t.Helper()
	// Whole lines only: with -v, devrun's "building: sh -c '{ echo build-step-waiting; ..."
	// line contains s too, and counting it would let the test go on one build early.
	deadline := time.After(30 * time.Second)
	for {
		// The text and the channel under one lock: a line written in between is not missed.
		l.mu.Lock()
		text, changed := l.buf.String(), l.changed
		l.mu.Unlock()
		if countLines(text, s) >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%q did not appear %d times; got:\n%s", s, n, text)
		}
	}
}

func countLines(text, line string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			n++
		}
	}
	return n
}
