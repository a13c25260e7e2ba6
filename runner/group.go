package runner

import (
	"fmt"
	"syscall"
)

// procSpec is what startGroup runs: a resolved path, its argv, the full environment, the
// working directory, and the fds the child gets as 0, 1, 2, 3...
type procSpec struct {
	path  string
	argv  []string
	env   []string
	dir   string
	files []uintptr
}

// exitStatus is how a group leader ended.
type exitStatus struct {
	code   int            // exit code; -1 when killed by a signal or unknown
	signal syscall.Signal // the signal that killed it, 0 otherwise
}

func (s exitStatus) success() bool { return s.code == 0 && s.signal == 0 }

func (s exitStatus) String() string {
	if s.signal != 0 {
		return "killed by signal " + s.signal.String()
	}
	return fmt.Sprintf("exited with code %d", s.code)
}

func (s exitStatus) signalName() string {
	if s.signal == 0 {
		return ""
	}
	return s.signal.String()
}
