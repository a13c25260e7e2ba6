package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/internal/testkit"
	"github.com/devrun-dev/devrun/runner"
)

// The test binary plays three parts, chosen by environment: devrun itself (so end-to-end tests
// run the real command without a separate build), the supervised child, and the ordinary test
// runner.
func TestMain(m *testing.M) {
	runner.RunShimIfRequested()
	switch os.Getenv("DEVRUN_TEST_AS") {
	case "devrun":
		os.Unsetenv("DEVRUN_TEST_AS")
		err := Run(context.Background(), os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
		os.Exit(exitStatus(err, os.Stderr))
	case "child":
		os.Exit(testChild(os.Args[1:]))
	case "ptychild":
		os.Exit(ptyChild(os.Args[1:]))
	case "rawping":
		os.Exit(rawPing(os.Args[1]))
	}
	os.Exit(m.Run())
}

// testChild is the supervised program. It reports "start <pid>" to the test's report socket,
// echoes its stdin lines there as "stdin <line>", and behaves as its first argument says.
func testChild(args []string) int {
	report := func(string) {}
	if path := os.Getenv("DEVRUN_TEST_REPORT"); path != "" {
		if c, err := net.Dial("unix", path); err == nil {
			var mu sync.Mutex
			report = func(s string) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintln(c, s)
			}
		}
	}
	mode := "serve"
	if len(args) > 0 {
		mode = args[0]
	}
	// Signals are caught before the child says it runs: a stop right after "start" must
	// still be reported.
	sigs := make(chan os.Signal, 1)
	signalNotify(sigs)
	report(fmt.Sprintf("start %d", os.Getpid()))
	switch mode {
	case "exit":
		code, _ := strconv.Atoi(args[1])
		return code
	case "rpc":
		return rpcChild(report)
	case "reload":
		return reloadChild(report)
	case "spec":
		return specChild(report)
	case "junk":
		return junkChild(report)
	case "grandchild":
		// A grandchild in the same process group, which must not outlive devrun.
		cmd := exec.Command("sleep", "1000")
		if err := cmd.Start(); err != nil {
			return 3
		}
		report(fmt.Sprintf("grandchild %d", cmd.Process.Pid))
	}
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			report("stdin " + sc.Text())
		}
	}()
	sig := <-sigs
	report(fmt.Sprintf("stop %d %s", os.Getpid(), sig))
	return 0
}

// runtimeDirs gives each test one XDG_RUNTIME_DIR, shared by the devruns it starts and the
// client commands it runs, and apart from every other test's.
var runtimeDirs sync.Map

func runtimeDir(t testing.TB) string {
	t.Helper()
	// Subtests share the devruns their test started; those of a test that started none have
	// a folder each, so that parallel subtests neither race for one nor remove it under
	// each other.
	top, _, _ := strings.Cut(t.Name(), "/")
	if d, ok := runtimeDirs.Load(top); ok {
		return d.(string)
	}
	key := t.Name()
	if d, ok := runtimeDirs.Load(key); ok {
		return d.(string)
	}
	d, err := os.MkdirTemp("", "devrun-xdg")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o755) // as a real runtime folder; devrun makes its own 0700 one inside
	t.Cleanup(func() { os.RemoveAll(d); runtimeDirs.Delete(key) })
	runtimeDirs.Store(key, d)
	return d
}

func signalNotify(c chan os.Signal) { signal.Notify(c, syscall.SIGTERM, syscall.SIGINT) }

// serveUnix listens on a Unix socket for the test's life and hands each connection, on its
// own goroutine, to handle.
func serveUnix(t testing.TB, path string, handle func(net.Conn)) {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
}

// reporter collects the children's reports, in order, through a Unix socket.
type reporter struct {
	path  string
	lines chan string
}

func newReporter(t testing.TB) *reporter {
	t.Helper()
	dir, err := os.MkdirTemp("", "devrun-report")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	r := &reporter{path: filepath.Join(dir, "r.sock"), lines: make(chan string, 100)}
	serveUnix(t, r.path, func(c net.Conn) {
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
	})
	return r
}

// next returns the next report that starts with prefix, skipping others; it fails the test
// after a generous deadline so that a broken devrun does not hang the suite.
func (r *reporter) next(t testing.TB, prefix string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l := <-r.lines:
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			t.Fatalf("no %q report from the child within 30s", prefix)
		}
	}
}

// replaced waits for the stop report of the program that reported old ("start PID ...") and
// the next start report, in either order (they come over two connections), and returns the
// start report.
func (r *reporter) replaced(t testing.TB, old string) string {
	t.Helper()
	stop := "stop " + pidOf(old)
	var start string
	for stopped := false; !stopped || start == ""; {
		switch l := r.next(t, ""); {
		case l == stop || strings.HasPrefix(l, stop+" "):
			stopped = true
		case strings.HasPrefix(l, "start ") && start == "":
			start = l
		}
	}
	return start
}

// devrunProc is the devrun command under test.
type devrunProc struct {
	cmd    *exec.Cmd
	stdin  *os.File
	stderr *lineLog
	done   chan struct{}
}

// startDevrun runs this test binary as devrun in dir with args, the child being this binary
// too (its path is in $CHILD for args that need it).
func startDevrun(t testing.TB, dir string, rep *reporter, args ...string) *devrunProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "NO_COLOR=1", "XDG_RUNTIME_DIR="+runtimeDir(t))
	if rep != nil {
		cmd.Env = append(cmd.Env, "DEVRUN_TEST_REPORT="+rep.path)
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = stdinR
	d := &devrunProc{cmd: cmd, stdin: stdinW, stderr: newLineLog(), done: make(chan struct{})}
	cmd.Stderr = d.stderr
	cmd.Stdout = d.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdinR.Close()
	go func() {
		cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-d.done
		if t.Failed() {
			t.Logf("devrun output:\n%s", d.stderr.String())
		}
	})
	return d
}

// wait returns devrun's exit status, failing the test if it does not exit.
func (d *devrunProc) wait(t testing.TB) int {
	t.Helper()
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("devrun did not exit; output:\n%s", d.stderr.String())
	}
	return d.cmd.ProcessState.ExitCode()
}

// interrupt stops devrun as Ctrl-C does and returns its exit status.
func (d *devrunProc) interrupt(t testing.TB) int {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGINT)
	return d.wait(t)
}

// lineLog is devrun's output as a test reads it (testkit.Text).
type lineLog = testkit.Text

func newLineLog() *lineLog { return testkit.NewText() }
