package childrpc

import (
	"fmt"
	"net"
	"path/filepath"
	"sync"
)

// Listener returns the listening socket for spec, "[name=]addr", where addr is
// "host:port", ":port", a bare port number, "unix:/path" or a path ("/path", "./path").
//
// Under devrun with --listen (systemd socket activation: LISTEN_FDS, LISTEN_FDNAMES and
// LISTEN_PID, which must be this process's pid when set) it returns an inherited socket:
// the one named name, else the one whose address matches addr, else the only one.
// devrun holds these sockets across restarts, so connections made while the program
// restarts wait in the backlog instead of being refused. Otherwise (not under devrun, or
// nothing matched) it listens on addr itself with net.Listen; a stale Unix socket file
// that nobody listens on is replaced.
//
// The first call takes every inherited socket (close-on-exec) and removes the LISTEN_*
// variables from the environment; each inherited socket is returned once.
func Listener(spec string) (net.Listener, error) {
	ls, err := ParseListenSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("childrpc: Listener: %w", err)
	}
	if l, err := inheritedListener(ls.Name, ls.Network, ls.Address); l != nil || err != nil {
		return l, err
	}
	if ls.Address == "" {
		return nil, fmt.Errorf("childrpc: Listener(%q): no inherited socket named %q and no address to listen on", spec, ls.Name)
	}
	return listen(ls.Network, ls.Address)
}

// inheritedSocket is one socket passed by devrun.
type inheritedSocket struct {
	name  string
	l     net.Listener
	taken bool
}

var inherited struct {
	once  sync.Once
	mu    sync.Mutex
	socks []*inheritedSocket
	err   error
}

// inheritedListener picks the inherited socket for a spec; nil, nil when none fits.
func inheritedListener(name, network, address string) (net.Listener, error) {
	inherited.once.Do(func() { inherited.socks, inherited.err = takeInherited() })
	inherited.mu.Lock()
	defer inherited.mu.Unlock()
	if inherited.err != nil {
		return nil, inherited.err
	}
	pick := func(s *inheritedSocket) (net.Listener, error) {
		s.taken = true
		return s.l, nil
	}
	if name != "" {
		for _, s := range inherited.socks {
			if s.name == name {
				if s.taken {
					return nil, fmt.Errorf("childrpc: the inherited socket %q was already taken by an earlier Listener call", name)
				}
				return pick(s)
			}
		}
	}
	if address != "" {
		for _, s := range inherited.socks {
			if !s.taken && addressMatches(s.l.Addr(), network, address) {
				return pick(s)
			}
		}
	}
	if len(inherited.socks) == 1 && !inherited.socks[0].taken {
		return pick(inherited.socks[0])
	}
	return nil, nil
}

// addressMatches reports whether a held socket is the one an address asks for. Ports
// must be equal; an empty host matches any, "localhost" any loopback address.
func addressMatches(a net.Addr, network, address string) bool {
	switch network {
	case "unix":
		return a.Network() == "unix" && filepath.Clean(a.String()) == filepath.Clean(address)
	case "tcp":
		tcp, ok := a.(*net.TCPAddr)
		if !ok {
			return false
		}
		host, port, err := net.SplitHostPort(address)
		if err != nil || port == "0" {
			return false
		}
		if p, err := net.LookupPort("tcp", port); err != nil || p != tcp.Port {
			return false
		}
		switch host {
		case "":
			return true
		case "localhost":
			return tcp.IP.IsLoopback()
		}
		ip := net.ParseIP(host)
		return ip != nil && ip.Equal(tcp.IP)
	}
	return false
}
