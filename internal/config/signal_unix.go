//go:build unix

package config

import (
	"fmt"
	"strings"
	"syscall"
)

var signalsByName = map[string]syscall.Signal{
	"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT, "SIGHUP": syscall.SIGHUP,
	"SIGQUIT": syscall.SIGQUIT, "SIGKILL": syscall.SIGKILL, "SIGUSR1": syscall.SIGUSR1,
	"SIGUSR2": syscall.SIGUSR2, "SIGABRT": syscall.SIGABRT, "SIGALRM": syscall.SIGALRM,
	"SIGWINCH": syscall.SIGWINCH,
}

// ParseSignal reads a signal name as the file and --signal take it: "SIGTERM", "TERM", "term".
func ParseSignal(name string) (syscall.Signal, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if !strings.HasPrefix(n, "SIG") {
		n = "SIG" + n
	}
	if s, ok := signalsByName[n]; ok {
		return s, nil
	}
	return 0, fmt.Errorf("%q is not a signal devrun can send (%s)", name, strings.Join(signalNames, ", "))
}
