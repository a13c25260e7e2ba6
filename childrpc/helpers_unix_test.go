//go:build unix

package childrpc

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// socketPair returns the two ends of a fresh AF_UNIX stream socketpair, as devrun makes
// for each child generation.
func socketPair(t testing.TB) (*os.File, *os.File) {
	t.Helper()
	syscall.ForkLock.RLock() // no exec may inherit them before they are close-on-exec
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	return os.NewFile(uintptr(fds[0]), "pair-a"), os.NewFile(uintptr(fds[1]), "pair-b")
}

// fileConn turns one socketpair end into a net.Conn (and closes the file).
func fileConn(t testing.TB, f *os.File) net.Conn {
	t.Helper()
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		t.Fatalf("FileConn: %v", err)
	}
	return c
}

// connPair returns two connected net.Conns over a real socketpair.
func connPair(t testing.TB) (net.Conn, net.Conn) {
	a, b := socketPair(t)
	return fileConn(t, a), fileConn(t, b)
}

// recorder collects what a Conn reports, for tests to wait on.
type recorder struct {
	logs   chan string
	events chan string
}

func newRecorder() *recorder {
	return &recorder{logs: make(chan string, 1000), events: make(chan string, 1000)}
}

func (r *recorder) options(handlers map[string]HandlerFunc) ConnOptions {
	return ConnOptions{
		Handlers: handlers,
		Logf: func(format string, args ...any) {
			select {
			case r.logs <- fmt.Sprintf(format, args...):
			default:
			}
		},
		OnEvent: func(v json.RawMessage) { r.events <- string(v) },
	}
}

// waitLog waits for a log line containing want, failing on a line that does not.
func (r *recorder) waitLog(t testing.TB, want string) string {
	t.Helper()
	select {
	case line := <-r.logs:
		if !strings.Contains(line, want) {
			t.Fatalf("log line %q does not contain %q", line, want)
		}
		return line
	case <-time.After(testWait):
		t.Fatalf("no log line containing %q", want)
	}
	return ""
}

func (r *recorder) waitEvent(t testing.TB) string {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(testWait):
		t.Fatal("no event")
	}
	return ""
}

// noLogs fails if anything was logged so far.
func (r *recorder) noLogs(t testing.TB) {
	t.Helper()
	select {
	case line := <-r.logs:
		t.Fatalf("unexpected log line: %s", line)
	default:
	}
}

// testWait bounds every wait for something that must happen, so a bug fails the
// test with a message rather than hanging it. It is not a timing assertion: on the
// slowest machine these things take milliseconds.
const testWait = 60 * time.Second

// rawPeer is the other end of a Conn, driven line by line. Every line it reads must
// be non-empty valid JSON: that is what keeps a Node peer alive.
type rawPeer struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

func newRawPeer(t testing.TB, c net.Conn) *rawPeer {
	return &rawPeer{t: t, c: c, r: bufio.NewReaderSize(c, 1<<20)}
}

func (p *rawPeer) send(line string) {
	p.t.Helper()
	if _, err := p.c.Write([]byte(line + "\n")); err != nil {
		p.t.Fatalf("raw peer write: %v", err)
	}
}

func (p *rawPeer) recvLine() string {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(testWait))
	line, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Fatalf("raw peer read: %v (got %q)", err, line)
	}
	line = strings.TrimSuffix(line, "\n")
	if line == "" || !json.Valid([]byte(line)) || strings.ContainsAny(line, "\r\n") {
		p.t.Fatalf("the Conn wrote a line that is not one compact JSON value: %q", line)
	}
	return line
}

// recv reads one message and decodes it.
func (p *rawPeer) recv() map[string]any {
	p.t.Helper()
	var m map[string]any
	line := p.recvLine()
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		p.t.Fatalf("raw peer: %q is not an object: %v", line, err)
	}
	return m
}

// recvError reads a response and returns its id and error code.
func (p *rawPeer) recvError() (id any, code int, message string) {
	p.t.Helper()
	m := p.recv()
	e, ok := m["error"].(map[string]any)
	if !ok {
		p.t.Fatalf("expected an error response, got %v", m)
	}
	if m["jsonrpc"] != "2.0" {
		p.t.Fatalf("response without jsonrpc 2.0: %v", m)
	}
	return m["id"], int(e["code"].(float64)), e["message"].(string)
}

// rawPair returns a Conn under test and a raw peer on the other end of a socketpair.
func rawPair(t testing.TB, opts ConnOptions) (*Conn, *rawPeer) {
	a, b := connPair(t)
	c := NewConn(a, opts)
	t.Cleanup(func() { c.Close(); b.Close() })
	return c, newRawPeer(t, b)
}

// waitWorkers fails the test if goroutines started by c are still running after it
// closed (a leak).
func waitWorkers(t testing.TB, c *Conn) {
	t.Helper()
	done := make(chan struct{})
	go func() { c.workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(testWait):
		t.Fatal("goroutines of the Conn are still running after Close")
	}
}

// echoHandlers is a small set of handlers used across tests.
func echoHandlers() map[string]HandlerFunc {
	return map[string]HandlerFunc{
		"echo": func(ctx context.Context, p json.RawMessage) (any, error) { return p, nil },
		"add": TypedHandler(func(ctx context.Context, p struct{ A, B int }) (int, error) {
			return p.A + p.B, nil
		}),
	}
}
