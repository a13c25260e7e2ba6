package httpserve_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc/httpserve"
)

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, "hello")
})

// serveInBackground runs o.Serve and delivers its result.
func serveInBackground(ctx context.Context, o httpserve.Options, srv *http.Server, ln net.Listener) <-chan error {
	done := make(chan error, 1)
	go func() { done <- o.Serve(ctx, srv, ln) }()
	return done
}

// The case of golang/go#75591: a connection accepted before the stop sends its request after
// the stop began, and gets its answer. With a plain srv.Shutdown in place of Serve, this
// connection is closed unanswered (get fails with EOF) every time: Shutdown marks the
// server as shutting down before it closes the listener, and net/http drops a request it
// reads after that. The hook already in srv.ConnState still sees every state.
func TestRequestSentAfterStopIsAnswered(t *testing.T) {
	ln := notifyClose(listenLoopback(t))
	seen := newStates(http.StateNew, http.StateActive, http.StateClosed)
	srv := &http.Server{Handler: hello, ConnState: seen.hook}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := serveInBackground(ctx, httpserve.Options{Drain: time.Hour}, srv, ln)

	c := dial(t, ln.Addr())
	if got := await(t, seen.of(http.StateNew), "StateNew"); got.RemoteAddr().String() != c.LocalAddr().String() {
		t.Fatalf("StateNew for %v, want the test's connection from %v", got.RemoteAddr(), c.LocalAddr())
	}
	cancel()
	await(t, ln.closed, "listener close")

	resp, body, err := get(c)
	if err != nil {
		t.Fatalf("request sent after the stop began: %v", err)
	}
	if resp.StatusCode != http.StatusOK || body != "hello" || !resp.Close {
		t.Fatalf("answer %s %q, Connection: close %v; want 200 \"hello\" and close", resp.Status, body, resp.Close)
	}
	if err := await(t, done, "return from Serve"); err != nil {
		t.Fatalf("Serve: %v, want nil", err)
	}
	await(t, seen.of(http.StateActive), "StateActive in the chained hook")
	await(t, seen.of(http.StateClosed), "StateClosed in the chained hook")
}

// A keep-alive connection left idle does not hold the stop: Serve closes it and returns
// without waiting for the drain bound (an hour here, past the watchdog).
func TestIdleConnectionDoesNotHoldStop(t *testing.T) {
	ln := listenLoopback(t)
	seen := newStates(http.StateIdle, http.StateClosed)
	srv := &http.Server{Handler: hello, ConnState: seen.hook}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := serveInBackground(ctx, httpserve.Options{Drain: time.Hour}, srv, ln)

	c := dial(t, ln.Addr())
	if resp, body, err := get(c); err != nil || resp.StatusCode != http.StatusOK || body != "hello" || resp.Close {
		t.Fatalf("first request: %v %q %v (Connection: close %v)", resp, body, err, resp != nil && resp.Close)
	}
	await(t, seen.of(http.StateIdle), "StateIdle")
	cancel()
	if err := await(t, done, "return from Serve"); err != nil {
		t.Fatalf("Serve: %v, want nil", err)
	}
	await(t, seen.of(http.StateClosed), "StateClosed of the idle connection")
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read on the idle connection after the stop: %d, %v; want EOF", n, err)
	}
}

// A connection that never sends a request holds the stop until the drain bound, and is then
// closed: Serve says so with ErrDrainTimeout.
func TestDrainBoundClosesSilentConnection(t *testing.T) {
	ln := listenLoopback(t)
	seen := newStates(http.StateNew)
	srv := &http.Server{Handler: hello, ConnState: seen.hook}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := serveInBackground(ctx, httpserve.Options{Drain: 10 * time.Millisecond}, srv, ln)

	c := dial(t, ln.Addr())
	await(t, seen.of(http.StateNew), "StateNew")
	cancel()
	err := await(t, done, "return from Serve")
	if !errors.Is(err, httpserve.ErrDrainTimeout) {
		t.Fatalf("Serve: %v, want ErrDrainTimeout", err)
	}
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read on the silent connection after Serve: %d, %v; want EOF", n, err)
	}
}

// A handler that does not return holds the stop until the drain bound; its connection is
// then closed.
func TestDrainBoundClosesStuckHandler(t *testing.T) {
	ln := listenLoopback(t)
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := serveInBackground(ctx, httpserve.Options{Drain: 10 * time.Millisecond}, srv, ln)

	c := dial(t, ln.Addr())
	answered := make(chan error, 1)
	go func() {
		_, _, err := get(c)
		answered <- err
	}()
	await(t, entered, "handler start")
	cancel()
	if err := await(t, done, "return from Serve"); !errors.Is(err, httpserve.ErrDrainTimeout) {
		t.Fatalf("Serve: %v, want ErrDrainTimeout", err)
	}
	if err := await(t, answered, "end of the stuck request"); err == nil {
		t.Fatal("the stuck request got an answer, want its connection closed")
	}
}

// failingListener accepts one connection, then fails.
type failingListener struct {
	net.Listener
	calls atomic.Int32
}

var errAccept = errors.New("accept failed for the test")

func (l *failingListener) Accept() (net.Conn, error) {
	if l.calls.Add(1) > 1 {
		return nil, errAccept
	}
	return l.Listener.Accept()
}

// When Accept fails, Serve still answers the connection it had accepted, then returns
// Accept's error.
func TestAcceptErrorStopsCleanlyAndIsReturned(t *testing.T) {
	ln := &failingListener{Listener: listenLoopback(t)}
	c := dial(t, ln.Addr()) // waits in the queue for the first Accept
	srv := &http.Server{Handler: hello}
	done := serveInBackground(context.Background(), httpserve.Options{Drain: time.Hour}, srv, ln)

	if resp, body, err := get(c); err != nil || resp.StatusCode != http.StatusOK || body != "hello" {
		t.Fatalf("request on the connection accepted before the failure: %v %q %v", resp, body, err)
	}
	if err := await(t, done, "return from Serve"); !errors.Is(err, errAccept) {
		t.Fatalf("Serve: %v, want %v", err, errAccept)
	}
}

// A context already done: Serve returns nil and has closed the listener.
func TestContextDoneBeforeServe(t *testing.T) {
	ln := listenLoopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := await(t, serveInBackground(ctx, httpserve.Options{}, &http.Server{Handler: hello}, ln), "return from Serve"); err != nil {
		t.Fatalf("Serve: %v, want nil", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Serve: %v, want net.ErrClosed", err)
	}
}

// Closed by someone else: Serve returns http.ErrServerClosed, as srv.Serve does.
func TestClosedElsewhere(t *testing.T) {
	ln := listenLoopback(t)
	srv := &http.Server{Handler: hello}
	done := serveInBackground(context.Background(), httpserve.Options{}, srv, ln)
	srv.Close()
	if err := await(t, done, "return from Serve"); !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve: %v, want http.ErrServerClosed", err)
	}
}
