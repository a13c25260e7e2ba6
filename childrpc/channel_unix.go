//go:build unix

package childrpc

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// openFD turns the inherited channel fd into a net.Conn, once it has checked that the fd
// is what devrun gives: a Unix stream socket. A program started by a program that was
// under devrun may find the variable with its fd N being anything else. net.FileConn
// works on a close-on-exec duplicate; the original fd is closed, so no subprocess started
// from now on can inherit the channel.
func openFD(fd int) (io.ReadWriteCloser, error) {
	if err := checkChannelFD(fd); err != nil {
		return nil, fmt.Errorf("childrpc: %s=%d is not a socket devrun gave: %w", EnvRPCFD, fd, err)
	}
	syscall.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "devrun-channel")
	defer f.Close()
	conn, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("childrpc: %s=%d is not a socket devrun gave: %w", EnvRPCFD, fd, err)
	}
	return conn, nil
}

func checkChannelFD(fd int) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return fmt.Errorf("not a socket (mode %o)", st.Mode&syscall.S_IFMT)
	}
	typ, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TYPE)
	if err != nil {
		return err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return err
	}
	if _, unix := sa.(*syscall.SockaddrUnix); !unix || typ != syscall.SOCK_STREAM {
		return fmt.Errorf("not a Unix stream socket")
	}
	return nil
}
