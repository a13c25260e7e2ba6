package config

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// signalNames are the stop signals devrun accepts, by the names every Unix shares.
var signalNames = []string{"SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGABRT", "SIGALRM", "SIGWINCH"}

// SignalName reads a signal as --signal and the file take it ("SIGTERM", "TERM", "term", or
// its number on this system) and returns its canonical name ("SIGTERM").
func SignalName(s string) (string, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(name); err == nil {
		for _, known := range signalNames {
			if sig, ok := signalNumber(known); ok && int(sig) == n {
				return known, nil
			}
		}
		return "", fmt.Errorf("%q is not a signal devrun can send (%s)", s, strings.Join(signalNames, ", "))
	}
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	for _, known := range signalNames {
		if known == name {
			return known, nil
		}
	}
	if hint := didYouMean(name, signalNames); hint != "" {
		return "", fmt.Errorf("%q is not a signal devrun can send%s", s, hint)
	}
	return "", fmt.Errorf("%q is not a signal devrun can send (%s)", s, strings.Join(signalNames, ", "))
}

// Signal is the signal a canonical name (from SignalName) stands for.
func Signal(name string) (syscall.Signal, error) {
	canonical, err := SignalName(name)
	if err != nil {
		return 0, err
	}
	sig, ok := signalNumber(canonical)
	if !ok {
		return 0, fmt.Errorf("signals are supported on Unix systems only")
	}
	return sig, nil
}
