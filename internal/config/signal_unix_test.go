//go:build unix

package config

import (
	"syscall"
	"testing"
)

func TestSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "term": syscall.SIGTERM, " INT ": syscall.SIGINT, "sigusr2": syscall.SIGUSR2, "SIGABRT": syscall.SIGABRT, "15": syscall.SIGTERM} {
		if got, err := Signal(in); err != nil || got != want {
			t.Errorf("Signal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := Signal("TREM"); err == nil {
		t.Error("Signal(TREM) succeeded")
	}
	// Every name the schema accepts must map to a signal.
	for _, name := range signalNames {
		if _, err := Signal(name); err != nil {
			t.Errorf("%s is accepted but has no signal: %v", name, err)
		}
	}
}
