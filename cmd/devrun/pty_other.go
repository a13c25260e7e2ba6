//go:build !unix

package main

import (
	"errors"
	"io"
	"os"
)

func openPty(*os.File, int) (master, slave *os.File, err error) {
	return nil, nil, errors.New("pseudo-terminals are not supported on this system")
}

func (ss *session) passResizes(*os.File) (stop func()) { return func() {} }

func terminalWidth(io.Writer) int { return 0 }
