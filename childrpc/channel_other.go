//go:build !unix

package childrpc

import (
	"errors"
	"io"
)

func openFD(fd int) (io.ReadWriteCloser, error) {
	return nil, errors.New("childrpc: the devrun channel needs a Unix system")
}
