package main

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waitGone waits until the process has exited, using a pidfd (readable once it has exited) so
// the test wakes on the event rather than polling.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err == unix.ESRCH {
		return
	}
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int((30 * time.Second).Milliseconds()))
	if err != nil || n == 0 {
		t.Fatalf("process %d is still running 30s after devrun was stopped", pid)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad pid %q", s)
	}
	return n
}
