//go:build unix

package target

import (
	"errors"
	"syscall"
)

// processAlive reports whether pid names a live process; EPERM means alive but someone else's.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
