package session

import "testing"

func TestPortInUse(t *testing.T) {
	for _, c := range []struct {
		line string
		port int
		ok   bool
	}{
		{"listen tcp :8080: bind: address already in use", 8080, true},
		{"2026/12/01 listen tcp 127.0.0.1:3000: bind: address already in use", 3000, true},
		{"Error: listen EADDRINUSE: address already in use :::5173", 5173, true},
		{"OSError: [Errno 98] Address already in use", 0, true},
		{"listening on :8080", 0, false},
	} {
		port, ok := portInUse(c.line)
		if port != c.port || ok != c.ok {
			t.Errorf("%q: got %d %v, want %d %v", c.line, port, ok, c.port, c.ok)
		}
	}
}
