package runner

import (
	"testing"

	"golang.org/x/sys/unix"
)

// awaitExit waits until pid has terminated (dead, reaped or not). A process closes its
// files before it is marked dead, so end of file on its stdout comes a moment too early
// for processState.
func awaitExit(t testing.TB, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return // already gone
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(failAfter.Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			t.Errorf("pid %d has not exited: %v", pid, err)
		}
		return
	}
}
