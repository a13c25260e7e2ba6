package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readyProgram reports "start <pid>", then says "ready" on the devrun channel once the test
// opens the fifo $READY_FIFO for writing.
const readyProgram = `package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	c, err := net.Dial("unix", os.Getenv("DEVRUN_TEST_REPORT"))
	if err != nil {
		os.Exit(3)
	}
	fmt.Fprintf(c, "start %d\n", os.Getpid())
	f, err := os.Open(os.Getenv("READY_FIFO"))
	if err != nil {
		os.Exit(4)
	}
	f.Close()
	fd, _ := strconv.Atoi(os.Getenv("DEVRUN_RPC_FD"))
	os.NewFile(uintptr(fd), "devrun").Write([]byte("\"ready\"\n"))
	fmt.Fprintf(c, "said ready\n")
	<-sigs
}
`

// clientProc is a client subcommand left running while the test goes on.
type clientProc struct {
	cmd           *exec.Cmd
	stdout, stder bytes.Buffer
	done          chan struct{}
}

func startClient(t *testing.T, args ...string) *clientProc {
	t.Helper()
	c := &clientProc{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "NO_COLOR=1", "XDG_RUNTIME_DIR="+runtimeDir(t))
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stder
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// exit waits for the client and returns its exit status.
func (c *clientProc) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("devrun %v did not exit", c.cmd.Args[1:])
	}
	return c.cmd.ProcessState.ExitCode()
}

// TestWaitReady starts `devrun wait --ready` before the devrun it waits for exists; it
// returns 0 only after the program said it is ready.
func TestWaitReady(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "main.go"), readyProgram)
	fifo := filepath.Join(t.TempDir(), "ready")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}

	w := startClient(t, "wait", "late", "--ready", "--timeout", "60s")
	rep := newReporter(t)
	startDevrun(t, dir, rep, "--name", "late", "--env", "READY_FIFO="+fifo, ".")
	rep.next(t, "start")
	select {
	case <-w.done:
		t.Fatalf("wait returned before the program was ready: %s", w.stder.String())
	default:
	}
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	rep.next(t, "said ready")
	if code := w.exit(t); code != 0 {
		t.Fatalf("wait --ready: exit %d: %s", code, w.stder.String())
	}
	if out, _, _ := client(t, "", "events", "--no-follow", "--kind", "ready", "--json"); !strings.Contains(out, `"kind":"ready"`) || strings.Contains(out, `"assumed":true`) {
		t.Fatalf("the ready event should be the program's own: %s", out)
	}
	// Now it holds already: a new wait returns at once, as do --running and --built.
	for _, cond := range []string{"--ready", "--running", "--built"} {
		if _, errOut, code := client(t, "", "wait", cond, "--timeout", "10s"); code != 0 {
			t.Fatalf("wait %s: exit %d: %s", cond, code, errOut)
		}
	}
}

// TestWaitFailsOnCrash: a program that crashes before it is ready ends the wait with status 1
// and the reason.
func TestWaitFailsOnCrash(t *testing.T) {
	t.Parallel()
	w := startClient(t, "wait", "-n", "crashy", "--timeout", "60s")
	rep := newReporter(t)
	startDevrun(t, t.TempDir(), rep, append([]string{"--name", "crashy"}, childArgs("exit", "3")...)...)
	if code := w.exit(t); code != 1 || !strings.Contains(w.stder.String(), "exited with code 3") {
		t.Fatalf("wait on a crash: exit %d, %q", code, w.stder.String())
	}
}

// TestWaitAssumedReadyAndBadInput: a program that never says it is ready counts as ready once
// it has run for the settle time; a timeout and bad flags exit 2.
func TestWaitAssumedReadyAndBadInput(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	startRPCDevrun(t, "quiet", rep)
	if out, errOut, code := client(t, "", "wait", "quiet", "--timeout", "20s"); code != 0 {
		t.Fatalf("wait on a program that never says ready: exit %d %s %s", code, out, errOut)
	}
	if _, errOut, code := client(t, "", "wait", "-n", "nobody", "--timeout", "300ms"); code != 2 || !strings.Contains(errOut, `no devrun named "nobody"`) {
		t.Fatalf("wait for a devrun that never comes: exit %d, %q", code, errOut)
	}
	if _, errOut, code := client(t, "", "wait", "--timeout", "soon"); code != 2 || !strings.Contains(errOut, "soon") {
		t.Fatalf("wait --timeout soon: exit %d, %q", code, errOut)
	}
}
