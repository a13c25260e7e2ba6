//go:build unix

package childrpc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// listenFDsStart is the first inherited fd in systemd's socket-activation convention.
const listenFDsStart = 3

// takeInherited reads LISTEN_FDS/LISTEN_FDNAMES/LISTEN_PID once, takes the sockets
// and clears the variables, so that subprocesses neither see nor inherit them.
func takeInherited() ([]*inheritedSocket, error) {
	count, ok := os.LookupEnv(EnvListenFDs)
	names := os.Getenv(EnvListenFDNames)
	pid := os.Getenv(EnvListenPID)
	if !ok {
		return nil, nil
	}
	for _, k := range []string{EnvListenFDs, EnvListenFDNames, EnvListenPID} {
		os.Unsetenv(k)
	}
	if pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return nil, nil // meant for another process (our parent, say): not ours to touch
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("childrpc: %s=%q is not a number of sockets", EnvListenFDs, count)
	}
	nameList := strings.Split(names, ":")
	var socks []*inheritedSocket
	var errs []error
	for i := 0; i < n; i++ {
		fd := listenFDsStart + i
		syscall.CloseOnExec(fd)
		name := ""
		if i < len(nameList) {
			name = nameList[i]
		}
		f := os.NewFile(uintptr(fd), "listen-"+name)
		l, err := net.FileListener(f)
		f.Close() // FileListener works on a close-on-exec duplicate
		if err != nil {
			errs = append(errs, fmt.Errorf("childrpc: inherited fd %d (%q) is not a listening socket: %w", fd, name, err))
			continue
		}
		socks = append(socks, &inheritedSocket{name: name, l: l})
	}
	if len(socks) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return socks, nil
}

// listen is net.Listen, replacing a Unix socket file left by a process that died.
func listen(network, address string) (net.Listener, error) {
	l, err := net.Listen(network, address)
	if err == nil || network != "unix" || !errors.Is(err, syscall.EADDRINUSE) {
		return l, err
	}
	if fi, statErr := os.Lstat(address); statErr != nil || fi.Mode()&os.ModeSocket == 0 {
		return nil, err
	}
	c, dialErr := net.Dial("unix", address)
	if dialErr == nil {
		c.Close()
		return nil, err // someone is listening there: really in use
	}
	if !errors.Is(dialErr, syscall.ECONNREFUSED) {
		return nil, err
	}
	if rmErr := os.Remove(address); rmErr != nil {
		return nil, err
	}
	return net.Listen(network, address)
}
