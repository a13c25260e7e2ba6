//go:build !unix

package terminal

import (
	"errors"
	"io"
	"os"

	sess "github.com/devrun-dev/devrun/session"
)

func openPty(*os.File, int) (master, slave *os.File, err error) {
	return nil, nil, errors.New("pseudo-terminals are not supported on this system")
}

func (c *Console) PassResizes(*os.File, *sess.Session) (stop func()) { return func() {} }

func terminalWidth(io.Writer) int { return 0 }
