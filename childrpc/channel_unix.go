//go:build unix

package childrpc

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// openFD turns the inherited channel fd into a net.Conn. net.FileConn works on a
// close-on-exec duplicate; the original fd is closed, so no subprocess started from
// now on can inherit the channel.
func openFD(fd int) (io.ReadWriteCloser, error) {
	syscall.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "devrun-channel")
	if f == nil {
		return nil, fmt.Errorf("childrpc: DEVRUN_RPC_FD=%d is not an open file", fd)
	}
	defer f.Close()
	conn, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("childrpc: DEVRUN_RPC_FD=%d is not a socket devrun gave: %w", fd, err)
	}
	return conn, nil
}
