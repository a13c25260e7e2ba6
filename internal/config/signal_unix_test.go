//go:build unix

package config

import (
	"syscall"
	"testing"
)

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "term": syscall.SIGTERM, " INT ": syscall.SIGINT, "sigusr2": syscall.SIGUSR2} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseSignal("TREM"); err == nil {
		t.Error("ParseSignal(TREM) succeeded")
	}
	// Every name the file accepts must map to a signal.
	for _, name := range signalNames {
		if _, err := ParseSignal(name); err != nil {
			t.Errorf("%s is accepted in files but not by ParseSignal: %v", name, err)
		}
	}
}
