//go:build unix

package runner

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A devrun killed by SIGKILL leaves nothing running: the direct child dies by Pdeathsig (or
// the guardian, outside Linux), its grandchild by the guardian. Every process of the tree
// holds the write end of one pipe (their stdout), so reading it to end of file waits exactly
// until all of them are dead.
func TestKilledHostLeavesNoProcess(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	host := exec.Command(selfCommand(t)[0])
	host.Env = append(os.Environ(), envMode+"=supervisor", envSubMode+"=family", envLog+"="+os.DevNull)
	host.Stdout, host.Stderr = w, os.Stderr
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	lines := bufio.NewReader(r)
	var pids []int
	for len(pids) == 0 {
		line, err := lines.ReadString('\n')
		if err != nil {
			host.Process.Kill()
			host.Wait()
			t.Fatalf("no pids line from the supervised family: %v", err)
		}
		if f := strings.Fields(line); len(f) == 3 && f[0] == "pids" {
			pids = []int{atoi(t, f[1]), atoi(t, f[2])}
		}
	}
	requireAlive(t, pids...)

	host.Process.Kill()
	host.Wait()
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, lines)
		close(eof)
	}()
	select {
	case <-eof:
	case <-time.After(failAfter):
		for _, pid := range pids {
			t.Errorf("pid %d is %s", pid, processState(pid))
		}
		t.Fatal("processes of the killed host's tree still hold its stdout")
	}
	for _, pid := range pids {
		awaitExit(t, pid)
		// Orphans of the killed host may have become ours (this process is a subreaper once
		// a Runner ran in it): reap them rather than leave zombies behind.
		syscall.Wait4(pid, nil, syscall.WNOHANG, nil)
	}
	requireGone(t, true, pids...)
}
