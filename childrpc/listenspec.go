package childrpc

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ListenSpec is one "[name=]addr", as devrun's --listen, devrun.toml's listen and Listener
// take it. addr is "host:port", ":port", a bare port (every address), "unix:PATH" or a path
// with a slash in it ("/run/app.sock", "tmp/app.sock").
type ListenSpec struct {
	Name    string // "" when not named
	Network string // "tcp" or "unix"; "" when the spec is a name alone (Listener("http"))
	Address string // as net.Listen takes it
}

// ParseListenSpec reads a listen spec; devrun, its config file and Listener share it.
func ParseListenSpec(spec string) (ListenSpec, error) {
	var s ListenSpec
	addr := spec
	if i := strings.IndexByte(spec, '='); i >= 0 && !strings.ContainsAny(spec[:i], ":/") {
		s.Name, addr = spec[:i], spec[i+1:]
		if s.Name == "" {
			return s, fmt.Errorf("%q: the name before = is empty", spec)
		}
		if addr == "" {
			return s, fmt.Errorf("%q: no address after =", spec)
		}
	} else if spec != "" && !strings.ContainsAny(spec, ":/") && strings.Trim(spec, "0123456789") != "" {
		s.Name, addr = spec, "" // a word alone names an inherited socket
	}
	if s.Name != "" && !validSocketName(s.Name) {
		return s, fmt.Errorf("%q: a socket name may hold letters, digits, _ . and - only", spec)
	}
	switch path, isUnix := strings.CutPrefix(addr, "unix:"); {
	case addr == "" && s.Name == "":
		return s, fmt.Errorf("empty listen address")
	case addr == "":
	case isUnix || strings.ContainsRune(addr, '/'):
		if path == "" {
			return s, fmt.Errorf("%q: no socket path after unix:", spec)
		}
		s.Network, s.Address = "unix", path
	default:
		if strings.Trim(addr, "0123456789") == "" {
			addr = ":" + addr
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return s, fmt.Errorf("%q is not host:port, :port or a unix socket path", spec)
		}
		if n, err := strconv.Atoi(port); err != nil {
			if _, err := net.LookupPort("tcp", port); err != nil {
				return s, fmt.Errorf("%q: unknown port %q", spec, port)
			}
		} else if n < 0 || n > 65535 {
			return s, fmt.Errorf("%q: port %d is out of range", spec, n)
		}
		s.Network, s.Address = "tcp", addr
	}
	return s, nil
}

// String writes the spec back in a form ParseListenSpec reads as the same spec.
func (s ListenSpec) String() string {
	addr := s.Address
	if s.Network == "unix" && !strings.ContainsRune(addr, '/') {
		addr = "unix:" + addr
	}
	if s.Name == "" {
		return addr
	}
	if addr == "" {
		return s.Name
	}
	return s.Name + "=" + addr
}

// validSocketName is the form of LISTEN_FDNAMES entries that devrun lets users type.
func validSocketName(name string) bool {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return name != ""
}
