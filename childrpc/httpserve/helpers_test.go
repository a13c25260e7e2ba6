package httpserve_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// watchdog only turns a hang into a failure with a name; no test measures time with it.
const watchdog = time.Minute

// await returns what ch delivers, or fails the test when nothing comes.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(watchdog):
		t.Fatalf("no %s within %v", what, watchdog)
		panic("unreachable")
	}
}

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func dial(t *testing.T, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(watchdog)); err != nil {
		t.Fatal(err)
	}
	return c
}

// get sends one GET on c and reads the answer.
func get(c net.Conn) (*http.Response, string, error) {
	if _, err := fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		return nil, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// states reports the connection states a server goes through, as a user's ConnState hook
// would see them.
type states struct {
	mu   sync.Mutex
	subs map[http.ConnState]chan net.Conn
}

func newStates(watch ...http.ConnState) *states {
	s := &states{subs: map[http.ConnState]chan net.Conn{}}
	for _, st := range watch {
		s.subs[st] = make(chan net.Conn, 16)
	}
	return s
}

func (s *states) hook(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.subs[st]; ok {
		select {
		case ch <- c:
		default:
		}
	}
}

func (s *states) of(st http.ConnState) <-chan net.Conn { return s.subs[st] }

// closeNotifier tells when Serve closes its listener, that is, when the stop has begun.
type closeNotifier struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func notifyClose(ln net.Listener) *closeNotifier {
	return &closeNotifier{Listener: ln, closed: make(chan struct{})}
}

func (l *closeNotifier) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}
