package httpserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultDrain is the drain bound when Options.Drain is not set. It is below devrun's
// default grace period (5 s from the stop signal to SIGKILL), so that the server closes
// its connections itself rather than being killed.
const DefaultDrain = 3 * time.Second

// ErrDrainTimeout is matched (errors.Is) by the error Serve returns when the drain bound ran
// out and it closed the connections still new or active.
var ErrDrainTimeout = errors.New("httpserve: drain time ran out")

// Options tune Serve; the zero value gives the defaults.
type Options struct {
	// Drain bounds the stop, from ctx done until Serve returns: the time the connections
	// already accepted get to send their request and receive the answer. When it runs out,
	// Serve closes every connection left (http.Server.Close). Zero or less: DefaultDrain.
	Drain time.Duration
}

// Serve is Options{}.Serve: it serves srv on ln until ctx is done, then stops without
// dropping a request that reached the socket, within DefaultDrain.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	return Options{}.Serve(ctx, srv, ln)
}

// Serve serves srv on ln until ctx is done, then stops without dropping a request that
// reached the socket: it stops accepting and closes ln, answers every connection it had
// accepted (a new one may still send its request), and shuts srv down (see the package
// documentation for the order and why).
//
// It returns nil after a clean stop. It returns an error matching ErrDrainTimeout if
// o.Drain ran out and it closed connections still new or active. If srv.Serve fails before
// ctx is done (an Accept error), Serve stops the same way and returns that error (joined
// with ErrDrainTimeout if the drain also ran out). If someone else shuts srv down or closes
// it, Serve returns http.ErrServerClosed at once.
//
// Serve sets srv.ConnState, calling the hook already set, if any, after its own; it closes ln
// in all cases.
func (o Options) Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	p := newPending()
	srv.ConnState = p.hook(srv.ConnState)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	stopping := false
	select {
	case serveErr = <-served:
		if errors.Is(serveErr, http.ErrServerClosed) {
			return serveErr
		}
	case <-ctx.Done():
		stopping = true
	}

	drain := o.Drain
	if drain <= 0 {
		drain = DefaultDrain
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	// Keep-alives off first, so that every answer from now on closes its connection.
	srv.SetKeepAlivesEnabled(false)
	// srv.Serve also closes ln when it returns; the second Close's error means nothing.
	_ = ln.Close()
	if stopping {
		// Its error is Accept's on the listener just closed.
		select {
		case <-served:
		case <-stopCtx.Done(): // a listener whose Close does not end Accept
			_ = srv.Close()
			return fmt.Errorf("%w (%v): srv.Serve did not return after its listener was closed", ErrDrainTimeout, drain)
		}
	}
	if err := finish(stopCtx, srv, p, drain); err != nil {
		return errors.Join(serveErr, err)
	}
	return serveErr
}

// finish waits until no connection is new or active, then shuts srv down; when stopCtx
// ends first, it closes srv.
func finish(stopCtx context.Context, srv *http.Server, p *pending, drain time.Duration) error {
	select {
	case <-p.drained():
	case <-stopCtx.Done():
		n := p.count()
		_ = srv.Close()
		return fmt.Errorf("%w (%v): closed %d connection(s) still new or active", ErrDrainTimeout, drain, n)
	}
	// No connection is left that Shutdown could drop: it closes the idle ones, and waits
	// for what the tracking does not see through (HTTP/2 streams: GOAWAY).
	if err := srv.Shutdown(stopCtx); err != nil {
		_ = srv.Close()
		if stopCtx.Err() != nil {
			return fmt.Errorf("%w (%v) during Shutdown: closed the connections left", ErrDrainTimeout, drain)
		}
		return err
	}
	return nil
}
