package httpserve

import (
	"net"
	"net/http"
	"sync"
)

// pending tracks, through http.Server.ConnState, the connections that may still carry a
// request to answer: new ones (accepted, nothing read) and active ones (a request being read
// or answered). Idle, hijacked and closed ones leave it. net/http reports StateNew in its
// accept loop before Serve can return, so once Serve has returned the set is complete.
type pending struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	empty chan struct{} // closed whenever conns is empty, replaced when a connection joins
}

func newPending() *pending {
	p := &pending{conns: map[net.Conn]struct{}{}, empty: make(chan struct{})}
	close(p.empty)
	return p
}

// hook returns a ConnState hook that tracks connections and then calls next, if not nil.
func (p *pending) hook(next func(net.Conn, http.ConnState)) func(net.Conn, http.ConnState) {
	return func(c net.Conn, st http.ConnState) {
		p.track(c, st)
		if next != nil {
			next(c, st)
		}
	}
}

func (p *pending) track(c net.Conn, st http.ConnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch st {
	case http.StateNew, http.StateActive:
		if len(p.conns) == 0 {
			p.empty = make(chan struct{})
		}
		p.conns[c] = struct{}{}
	default: // StateIdle, StateHijacked, StateClosed
		if _, ok := p.conns[c]; ok {
			delete(p.conns, c)
			if len(p.conns) == 0 {
				close(p.empty)
			}
		}
	}
}

// drained is closed when no connection is pending (now, if none is).
func (p *pending) drained() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.empty
}

func (p *pending) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}
