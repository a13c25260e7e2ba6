// Package httpserve runs an [http.Server] on a listener until a context is done, then stops
// it without dropping a request that had reached the socket. It is meant for servers that
// restart while their listening socket stays open elsewhere: under `devrun --listen`, whose
// socket [github.com/devrun-dev/devrun/childrpc.Listener] returns, or any socket-activation
// or fd-passing setup. Connections that arrive while the server restarts wait in the
// kernel's queue for the next server, and none that this one accepted goes unanswered.
//
//	ln, err := childrpc.Listener(":8080")
//	...
//	err = httpserve.Serve(ctx, srv, ln) // ctx: cancelled on SIGTERM
//
// # Why not http.Server.Shutdown
//
// Shutdown closes, without an answer, a connection that it had accepted but had not yet
// read a request from, when that request is read after Shutdown began (golang/go#75591):
// under load, a few fresh connections fail at most restarts. Serve stops in this order
// instead:
//
//  1. It turns keep-alives off (each answer from now on says "Connection: close", and
//     idle keep-alive connections are closed) and closes ln, so that it accepts nothing
//     more; only this process's descriptor is closed, the socket stays open where it is
//     held, so nothing is refused.
//  2. It waits until no connection is left that is new (accepted, no request read yet) or
//     active (a request being read or answered): each new one may still send its request,
//     and every request gets its answer. Idle connections do not hold the stop.
//  3. It calls Shutdown, which then finds nothing to drop, and returns.
//
// # Time bound
//
// Steps 1 to 3 get [Options.Drain] in all ([DefaultDrain] unless set). When that runs out,
// Serve closes every connection still open with [http.Server.Close] and returns an error
// that matches [ErrDrainTimeout]. What can hold the stop that long: a handler that does not
// return (a long poll, a stream), or a connection that never sends a request (browsers open
// some ahead of need). Set srv.ReadHeaderTimeout below the drain: net/http then closes such
// a silent connection itself, before the bound.
//
// # Limits
//
// Serve owns srv: it sets srv.ConnState (calling the hook already there, if any, after its
// own bookkeeping, and leaving it set on return), and nothing else may call srv's Serve,
// Shutdown or Close; use one Serve per Server. An idle keep-alive connection closed at the
// stop may cross a request that its client was sending at that instant: HTTP/1.1 clients
// resend such a request on a new connection when it is idempotent (net/http's Transport
// and browsers do). HTTP/2 connections (over TLS) are stopped by Shutdown's GOAWAY, which
// tells clients what to resend; one that keeps starting streams holds the stop until the
// drain bound.
package httpserve
