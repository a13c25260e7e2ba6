//go:build !unix

package config

import (
	"errors"
	"syscall"
)

// ParseSignal is Unix-only: devrun stops children with process-group signals.
func ParseSignal(name string) (syscall.Signal, error) {
	return 0, errors.New("signals are supported on Unix systems only")
}
