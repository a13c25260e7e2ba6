package childrpc

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
)

// job is work for a worker goroutine: an incoming request (req set), a notification,
// or (read) the reading role, already taken for it.
type job struct {
	read   bool
	ctx    context.Context
	id     string
	method string
	params json.RawMessage
	req    *incomingRequest
}

// maxIdleWorkers bounds the goroutines kept waiting for the next request.
const maxIdleWorkers = 32

// dispatch runs j on a goroutine of its own at once: an idle worker if one is
// waiting, else a new one. Reusing them spares each job a new goroutine whose stack
// must grow again to decode JSON, which was a third of the cost of a call.
func (c *Conn) dispatch(j job) {
	select {
	case c.jobs <- j:
	default:
		c.workers.Add(1)
		go c.work(j)
	}
}

// work does j, then waits as an idle worker for the next job. A worker that served a
// request takes the reading role back when nobody holds it (see readrole.go).
func (c *Conn) work(j job) {
	defer c.workers.Done()
	for {
		served := true
		if j.read {
			j, served = c.readInBackground()
		}
		if served {
			if j.req != nil {
				c.serveRequest(j.ctx, j.id, j.method, j.params, j.req)
			} else {
				c.serveNotification(j.method, j.params)
			}
			if c.tryRead() {
				j = job{read: true}
				continue
			}
		}
		if c.idleWorkers.Add(1) > maxIdleWorkers {
			c.idleWorkers.Add(-1)
			return
		}
		select {
		case j = <-c.jobs:
			c.idleWorkers.Add(-1)
		case <-c.ctx.Done():
			c.idleWorkers.Add(-1)
			return
		}
	}
}

// cancelIncoming handles $/cancelRequest: the handler's context is cancelled and the
// request will be answered -32800.
func (c *Conn) cancelIncoming(params json.RawMessage) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(params, &p) != nil || len(p.ID) == 0 {
		c.opts.Logf("childrpc: $/cancelRequest without a usable id: %s", params)
		return
	}
	c.mu.Lock()
	req := c.incoming[string(p.ID)]
	if req != nil {
		req.cancelledByPeer = true
	}
	c.mu.Unlock()
	if req != nil {
		req.cancel()
	}
	// No match: the request has already been answered; nothing to do.
}

// serveRequest runs a request's handler and sends the answer.
func (c *Conn) serveRequest(ctx context.Context, id, method string, params json.RawMessage, req *incomingRequest) {
	result, err := c.run(ctx, method, params)

	c.mu.Lock()
	if c.incoming[id] == req {
		delete(c.incoming, id)
	}
	cancelled := req.cancelledByPeer
	c.mu.Unlock()
	req.cancel()
	if c.closed.Load() {
		return // nobody to answer
	}

	e := getEncoder()
	defer putEncoder(e)
	rawID := json.RawMessage(id)
	switch {
	case cancelled:
		e.errorResponse(rawID, &Error{Code: CodeCancelled, Message: "request cancelled"})
	case err != nil:
		e.errorResponse(rawID, errorReply(err))
	default:
		if encErr := e.result(rawID, result); encErr != nil {
			e.buf.Reset()
			e.errorResponse(rawID, &Error{Code: CodeInternalError,
				Message: fmt.Sprintf("internal error: encoding the result of %q: %v", method, encErr)})
		}
	}
	_ = c.write(e.buf.Bytes()) // a failed write closes the Conn; nothing else to do
}

// serveNotification runs a notification's handler; there is nobody to answer.
func (c *Conn) serveNotification(method string, params json.RawMessage) {
	if _, err := c.run(c.ctx, method, params); err != nil && c.ctx.Err() == nil {
		c.opts.Logf("childrpc: notification %q: %v", method, err)
	}
}

// run finds the handler and calls it, turning a panic into -32603 with the stack.
func (c *Conn) run(ctx context.Context, method string, params json.RawMessage) (result any, err error) {
	var h HandlerFunc
	if c.lookup != nil {
		h = c.lookup(ctx, method)
	} else {
		h = c.opts.Handlers[method]
	}
	if h == nil && c.opts.Fallback != nil {
		fallback := c.opts.Fallback
		h = func(ctx context.Context, params json.RawMessage) (any, error) { return fallback(ctx, method, params) }
	}
	if h == nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Code: CodeMethodNotFound, Message: "method not found: " + method}
	}
	defer func() {
		if v := recover(); v != nil {
			stack, _ := json.Marshal(string(debug.Stack()))
			err = &Error{Code: CodeInternalError,
				Message: fmt.Sprintf("internal error: handler %q panicked: %v", method, v), Data: stack}
		}
	}()
	return h(ctx, params)
}
