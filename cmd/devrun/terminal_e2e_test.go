//go:build unix

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
)

// ptyChild is the program of the terminal tests (DEVRUN_TEST_AS=ptychild), as its first
// argument says.
func ptyChild(args []string) int {
	switch args[0] {
	case "interleave":
		// print then log, with no pause between the writes, as a program does
		for i := 1; i <= 8; i++ {
			out := os.Stdout
			if i%2 == 0 {
				out = os.Stderr
			}
			fmt.Fprintf(out, "line %d\n", i)
		}
		os.Stdout.WriteString("half a line")
		return 0
	case "bind":
		ln, err := net.Listen("tcp", args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ln.Close()
		return 0
	case "boom":
		os.Stderr.WriteString("boom: the code is broken\n")
		return 2
	case "winch":
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		for {
			rows, cols, err := pty.Getsize(os.Stdout)
			fmt.Printf("size %d %d %v\n", rows, cols, err)
			<-winch
		}
	}
	return 3
}

// terminal is a pseudo-terminal that a test plays the user's terminal on: devrun gets its
// slave as stdin, stdout and stderr (and as its controlling terminal, so a resize sends it
// SIGWINCH as a real terminal would), the test reads what devrun shows from the master.
type terminal struct {
	master *os.File
	screen *lineLog
	cmd    *exec.Cmd
	done   chan struct{}
}

func startOnTerminal(t *testing.T, dir string, args ...string) *terminal {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "NO_COLOR=1", "XDG_RUNTIME_DIR="+runtimeDir(t))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	term := &terminal{master: master, screen: newLineLog(), cmd: cmd, done: make(chan struct{})}
	go func() {
		io.Copy(term.screen, master) // ends with EIO once devrun has gone
	}()
	go func() {
		cmd.Wait()
		close(term.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-term.done
		master.Close()
		if t.Failed() {
			t.Logf("screen:\n%s", term.screen.String())
		}
	})
	return term
}

// lines is the screen as lines, the terminal's "\r\n" read as "\n".
func (term *terminal) lines() []string {
	return strings.Split(strings.ReplaceAll(term.screen.String(), "\r\n", "\n"), "\n")
}

func (term *terminal) stop(t *testing.T) {
	t.Helper()
	term.cmd.Process.Signal(syscall.SIGTERM)
	<-term.done
}

func ptyChildArgs(mode string) []string {
	return []string{"--env", "DEVRUN_TEST_AS=ptychild", "--", os.Args[0], mode}
}

// TestTerminalShowsWritesInOrder: stdout and stderr written with no pause between them reach
// the screen in the order of the writes, unglued, devrun's line comes after the program's last
// output (ending the line it left open), and `devrun logs` has the same sequence.
func TestTerminalShowsWritesInOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	term := startOnTerminal(t, dir, append([]string{"--name", "order", "-w", dir}, ptyChildArgs("interleave")...)...)
	term.screen.WaitFor(t, "waiting for a change")
	if first := term.lines()[0]; first != "[devrun] watching . (1 folder, 0 files): every file; rs + Enter restarts" {
		t.Errorf("the start-up line says %q", first)
	}

	var got []string
	for _, l := range term.lines() {
		if strings.HasPrefix(l, "line ") || strings.HasPrefix(l, "half") || strings.HasPrefix(l, "[devrun] exited") {
			got = append(got, l)
		}
	}
	want := []string{"line 1", "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8",
		"half a line", "[devrun] exited with code 0; waiting for a change"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("on the screen:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	logs, _, code := client(t, "", "logs", "order")
	if code != 0 {
		t.Fatalf("devrun logs: exit %d", code)
	}
	var logged []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.HasPrefix(l, "line ") || strings.HasPrefix(l, "half") || strings.HasPrefix(l, "[devrun] exited") {
			logged = append(logged, l)
		}
	}
	if strings.Join(logged, "\n") != strings.Join(want, "\n") {
		t.Fatalf("devrun logs:\n%s\nwant:\n%s", logs, strings.Join(want, "\n"))
	}
	term.stop(t)
}

// TestTerminalPassesResizes: the program sees devrun's terminal size, and a resize of that
// terminal reaches it (new size and SIGWINCH).
func TestTerminalPassesResizes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	term := startOnTerminal(t, dir, append([]string{"-w", dir}, ptyChildArgs("winch")...)...)
	term.screen.WaitFor(t, "size 24 80 <nil>")
	if err := pty.Setsize(term.master, &pty.Winsize{Rows: 40, Cols: 132}); err != nil {
		t.Fatal(err)
	}
	term.screen.WaitFor(t, "size 40 132 <nil>")
	term.stop(t)
}

// TestTerminalInstantCrashIsCalm: a program that crashes at once has its error on the screen
// at most twice before devrun says, once, that it waits for a change; a change runs it again.
func TestTerminalInstantCrashIsCalm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	term := startOnTerminal(t, dir, append([]string{"-w", dir}, ptyChildArgs("boom")...)...)
	term.screen.WaitFor(t, "crashed 2 times right after start (exit code 2); waiting for a change (or type rs)")
	screen := term.screen.String()
	if n := strings.Count(screen, "boom: the code is broken"); n > 2 {
		t.Fatalf("the error was shown %d times", n)
	}
	_, after, _ := strings.Cut(screen, "boom: the code is broken")
	if n := strings.Count(after, "[devrun] "); n != 2 {
		t.Fatalf("%d lines of devrun's after the first crash, want 2 (retrying, waiting)", n)
	}
	writeFile(t, filepath.Join(dir, "fix.txt"), "x")
	for strings.Count(term.screen.String(), "boom: the code is broken") < 3 {
		term.screen.WaitChange(t)
	}
	term.stop(t)
}

// slowBuild is a build step that says it downloads a module and then waits for the test to
// open its gate: a slow build whose end the test decides, without sleeping.
func slowBuild(t *testing.T, dir string) (script string, open func()) {
	t.Helper()
	gate := filepath.Join(t.TempDir(), "gate") // not watched: opening the gate is not a change
	if err := syscall.Mkfifo(gate, 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "build.sh"), "#!/bin/sh\necho 'go: downloading example.com/m v1.0.0' >&2\nhead -c1 "+gate+" >/dev/null\n")
	os.Chmod(filepath.Join(dir, "build.sh"), 0o755)
	return "./build.sh", func() {
		f, err := os.OpenFile(gate, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("x")
		f.Close()
	}
}

// TestTerminalSlowBuildShowsProgress: a build that takes a while keeps a status line with the
// time so far and the module being downloaded, gone when the build ends.
func TestTerminalSlowBuildShowsProgress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script, open := slowBuild(t, dir)
	term := startOnTerminal(t, dir, append([]string{"-w", dir, "--build", script}, ptyChildArgs("winch")...)...)
	term.screen.WaitFor(t, "[devrun] building "+script+"… ")
	term.screen.WaitFor(t, " · go: downloading example.com/m v1.0.0 (1)")
	open()
	term.screen.WaitFor(t, "size 24 80")
	screen := term.screen.String()
	if !strings.Contains(screen, "\r\033[K[devrun] build ok in ") {
		t.Fatalf("the status line was not erased before the build's result:\n%q", screen)
	}
	term.stop(t)
}

// TestSlowBuildWithoutTerminal: with no terminal a slow build is one line.
func TestSlowBuildWithoutTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script, open := slowBuild(t, dir)
	d := startDevrun(t, dir, nil, append([]string{"-w", dir, "--build", script}, ptyChildArgs("winch")...)...)
	d.stderr.WaitFor(t, "[devrun] building "+script+"…\n")
	open()
	d.stderr.WaitFor(t, "build ok in ")
	if out := d.stderr.String(); strings.Count(out, "building") != 1 || strings.Contains(out, "\r") {
		t.Fatalf("want one building line and no status line:\n%q", out)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait(t)
}

// TestQuietStillShowsCrashes: -q hides devrun's chatter, never a crash.
func TestQuietStillShowsCrashes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := startDevrun(t, dir, nil, append([]string{"-q", "-w", dir}, ptyChildArgs("boom")...)...)
	d.stderr.WaitFor(t, "[devrun] crashed 2 times right after start (exit code 2)")
	out := d.stderr.String()
	if !strings.Contains(out, "[devrun] exited with code 2 right after start; restarting in ") ||
		strings.Contains(out, "[devrun] watching") || strings.Contains(out, "[devrun] starting") {
		t.Fatalf("with -q, want the crashes and nothing else of devrun's:\n%s", out)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait(t)
}
