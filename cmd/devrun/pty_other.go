//go:build !linux

package main

import (
	"errors"
	"os"
)

// terminalPipe is Linux-only for now; elsewhere a lone child writes to the terminal directly
// and `devrun logs` shows devrun's own lines only.
type terminalPipe struct{ master, slave *os.File }

func openTerminalPipe(*os.File) (*terminalPipe, error) {
	return nil, errors.New("pseudo-terminals are not supported on this system")
}

func (*terminalPipe) Close() error { return nil }
