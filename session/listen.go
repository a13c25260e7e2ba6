package session

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/devrun-dev/devrun/childrpc"
)

// heldSocket is a listening socket devrun opened once and hands to every child generation.
type heldSocket struct {
	Name    string // LISTEN_FDNAMES entry
	Network string // tcp or unix
	Addr    string // as the user wrote it
	File    *os.File
	cleanup func()
}

// listenSpec names a checked "[name=]addr" (see config). An unnamed socket is called listen0,
// listen1, ... because LISTEN_FDNAMES may not contain ':' and so cannot hold an address.
func listenSpec(spec string, index int) (name, network, addr string, err error) {
	ls, err := childrpc.ParseListenSpec(spec)
	if err != nil {
		return "", "", "", fmt.Errorf("--listen %v", err)
	}
	if ls.Name == "" {
		ls.Name = fmt.Sprintf("listen%d", index)
	}
	return ls.Name, ls.Network, ls.Address, nil
}

// openSockets binds every --listen address, or none: on an error the ones already open are
// closed again.
func openSockets(specs []string) ([]*heldSocket, error) {
	var held []*heldSocket
	seen := map[string]bool{}
	for i, spec := range specs {
		name, network, addr, err := listenSpec(spec, i)
		if err == nil && seen[name] {
			err = fmt.Errorf("--listen %s: the name %q is used twice", spec, name)
		}
		var s *heldSocket
		if err == nil {
			seen[name] = true
			s, err = openSocket(name, network, addr)
		}
		if err != nil {
			closeSockets(held)
			return nil, err
		}
		held = append(held, s)
	}
	return held, nil
}

func openSocket(name, network, addr string) (*heldSocket, error) {
	s := &heldSocket{Name: name, Network: network, Addr: addr}
	if network == "unix" {
		if err := prepareUnixPath(addr); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("--listen %s: address already in use: another program holds it (find it with: %s)", addr, whoListens(network, addr))
		}
		return nil, fmt.Errorf("--listen %s: %w", addr, err)
	}
	switch l := l.(type) {
	case *net.TCPListener:
		s.File, err = l.File()
	case *net.UnixListener:
		// The socket file must outlive this listener object: children accept on the fd.
		l.SetUnlinkOnClose(false)
		s.File, err = l.File()
		path := addr
		s.cleanup = func() { os.Remove(path) }
	}
	l.Close() // the duplicate in s.File keeps the socket open
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", addr, err)
	}
	return s, nil
}

// whoListens is the command that shows the program holding addr. lsof's -i wants "@host:port"
// or ":port", not "host:port", and lists connections too unless told to show listeners.
func whoListens(network, addr string) string {
	if _, port, err := net.SplitHostPort(addr); err == nil && network == "tcp" {
		return "lsof -iTCP:" + port + " -sTCP:LISTEN"
	}
	return "lsof " + addr
}

// prepareUnixPath removes a stale socket file (nobody answers on it) and refuses a live one.
func prepareUnixPath(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--listen unix:%s: folder %s does not exist", path, dir)
	}
	st, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--listen unix:%s: %w", path, err)
	}
	if st.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("--listen unix:%s: a file that is not a socket is in the way", path)
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return fmt.Errorf("--listen unix:%s: address already in use: a program answers on it", path)
	}
	return os.Remove(path)
}

func closeSockets(held []*heldSocket) {
	for _, s := range held {
		s.File.Close()
		if s.cleanup != nil {
			s.cleanup()
		}
	}
}
