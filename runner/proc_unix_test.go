//go:build unix

package runner

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// processState says whether pid is "alive", a "zombie" (dead, not reaped) or "gone".
func processState(pid int) string {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return "gone"
	}
	if runtime.GOOS == "linux" {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return "gone"
		}
		// The state follows the command name, which is in parentheses and may hold spaces.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && len(b) > i+2 && b[i+2] == 'Z' {
			return "zombie"
		}
	}
	return "alive"
}

// requireGone fails unless every pid is gone, or (when zombieOK) at least dead.
func requireGone(t testing.TB, zombieOK bool, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		switch st := processState(pid); {
		case st == "gone", st == "zombie" && zombieOK:
		default:
			t.Errorf("pid %d is %s", pid, st)
		}
	}
}

func requireAlive(t testing.TB, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		if st := processState(pid); st != "alive" {
			t.Errorf("pid %d is %s, want alive", pid, st)
		}
	}
}
