package childrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
)

// handleLine decides what one line is and acts on it. line is only valid during the
// call (it points into the read buffer): whatever outlives it is copied.
//
// The read loop must never wait on a write (the peer may be blocked writing to us),
// so every reply sent from here goes through its own goroutine.
func (c *Conn) handleLine(line []byte, msg *wireMsg) {
	line = bytes.TrimSpace(line) // tolerate \r\n and stray blanks
	if len(line) == 0 {
		return // carries nothing; answering it would be noise
	}
	if line[0] != '{' {
		if !json.Valid(line) {
			c.parseError(line)
			return
		}
		c.event(line) // "ready", numbers, arrays: not JSON-RPC
		return
	}
	if !json.Valid(line) {
		c.parseError(line)
		return
	}
	parseObject(line, msg)

	if len(msg.Cmd) > 0 && msg.Cmd[0] == '"' {
		var cmd string
		if json.Unmarshal(msg.Cmd, &cmd) == nil && strings.HasPrefix(cmd, "NODE_") {
			// Node's own messages. A handle cannot travel over this channel: refuse it
			// the way Node expects, so the sender gives up instead of waiting.
			if cmd == "NODE_HANDLE" {
				c.sendAsync([]byte(`{"cmd":"NODE_HANDLE_NACK"}` + "\n"))
			}
			return
		}
	}

	if bytes.Equal(msg.Error, nullID) {
		msg.Error = msg.Error[:0] // JSON-RPC 1.0 style "error":null next to a result
	}
	switch {
	case len(msg.Method) > 0:
		c.handleRequest(msg)
	case len(msg.Result) > 0 || len(msg.Error) > 0:
		c.handleResponse(msg)
	case len(msg.JSONRPC) > 0:
		id := msg.ID
		if !validID(id) {
			id = nil
		}
		c.replyError(id, CodeInvalidRequest, "invalid request: no method, result or error")
	default:
		c.event(line) // an object, but not JSON-RPC: pm2-style {"type":...}, {"cmd":...}
	}
}

func (c *Conn) event(v []byte) {
	if c.opts.OnEvent != nil {
		c.opts.OnEvent(json.RawMessage(bytes.Clone(v)))
	}
}

func (c *Conn) parseError(line []byte) {
	// Unmarshal checks the syntax before decoding anything: this only names the fault.
	reason := "not valid JSON"
	if err := json.Unmarshal(line, &struct{}{}); err != nil {
		reason = err.Error()
	}
	c.opts.Logf("childrpc: received a line that is not JSON (%s): %.80q", reason, line)
	c.replyError(nil, CodeParseError, "parse error: "+reason)
}

// validID reports whether a request id is one JSON-RPC allows: string, number or null.
func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	switch c := id[0]; {
	case c == '"', c == '-', c >= '0' && c <= '9', c == 'n':
		return true
	}
	return false
}

func (c *Conn) handleRequest(msg *wireMsg) {
	isRequest := len(msg.ID) > 0
	if isRequest && !validID(msg.ID) {
		c.replyError(nil, CodeInvalidRequest, "invalid request: id must be a string, a number or null")
		return
	}
	var id string
	if isRequest {
		id = string(msg.ID) // copied once; it is both the answer's id and the cancel key
	}
	method, ok := decodeString(msg.Method)
	if !ok {
		if isRequest {
			c.replyError(json.RawMessage(id), CodeInvalidRequest, "invalid request: method must be a string")
		} else {
			c.opts.Logf("childrpc: received a notification whose method is not a string: %s", msg.Method)
		}
		return
	}
	if strings.HasPrefix(method, "$/") {
		if method == "$/cancelRequest" {
			c.cancelIncoming(msg.Params)
		}
		// Other $/ notifications are optional by convention: ignore them.
		if isRequest {
			if method == "$/cancelRequest" {
				c.sendAsync([]byte(`{"jsonrpc":"2.0","id":` + id + `,"result":null}` + "\n"))
			} else {
				c.replyError(json.RawMessage(id), CodeMethodNotFound, "method not found: "+method)
			}
		}
		return
	}
	var params json.RawMessage
	if len(msg.Params) > 0 {
		params = bytes.Clone(msg.Params)
	}

	if !isRequest {
		c.dispatch(job{ctx: c.ctx, method: method, params: params})
		return
	}
	// Registered before a worker gets it, so that a $/cancelRequest read right after
	// this line always finds it.
	ctx, cancel := context.WithCancel(c.ctx)
	req := &incomingRequest{cancel: cancel}
	c.mu.Lock()
	c.incoming[id] = req
	c.mu.Unlock()
	c.dispatch(job{ctx: ctx, id: id, method: method, params: params, req: req})
}

// job is one incoming request (req set) or notification for a worker goroutine.
type job struct {
	ctx    context.Context
	id     string
	method string
	params json.RawMessage
	req    *incomingRequest
}

// maxIdleWorkers bounds the goroutines kept waiting for the next request.
const maxIdleWorkers = 32

// dispatch runs j on a goroutine of its own at once: an idle worker if one is
// waiting, else a new one. Every request runs concurrently with the others, as if
// each had a fresh goroutine; reusing them spares each request a new goroutine whose
// stack must grow again to decode JSON, which was a third of the cost of a call.
func (c *Conn) dispatch(j job) {
	select {
	case c.jobs <- j:
	default:
		c.workers.Add(1)
		go c.work(j)
	}
}

func (c *Conn) work(j job) {
	defer c.workers.Done()
	for {
		if j.req != nil {
			c.serveRequest(j.ctx, j.id, j.method, j.params, j.req)
		} else {
			c.serveNotification(j.method, j.params)
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

// decodeString decodes a raw JSON string, without reflection when it has no escapes.
func decodeString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

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

func (c *Conn) handleResponse(msg *wireMsg) {
	id, err := strconv.ParseUint(string(msg.ID), 10, 64)
	if err != nil {
		// Our ids are plain integers, so this answers nothing we sent. With an error and
		// no id, it is the peer telling us a line of ours was unreadable.
		if len(msg.Error) > 0 && (len(msg.ID) == 0 || bytes.Equal(msg.ID, nullID)) {
			c.opts.Logf("childrpc: the peer reported an error: %s", msg.Error)
		} else {
			c.opts.Logf("childrpc: received a response with unknown id %s", msg.ID)
		}
		return
	}
	c.mu.Lock()
	cl, found := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if !found {
		c.opts.Logf("childrpc: received a response with unknown id %d", id)
		return
	}
	if cl == nil {
		return // the caller gave up (its context ended): expected, drop it
	}
	if len(msg.Error) > 0 {
		rpcErr := new(Error)
		if json.Unmarshal(msg.Error, rpcErr) != nil || msg.Error[0] != '{' {
			rpcErr = &Error{Code: CodeInternalError, Message: "malformed error response: " + string(msg.Error)}
		}
		cl.ch <- reply{err: rpcErr}
		return
	}
	cl.ch <- reply{result: bytes.Clone(msg.Result)}
}

// replyError answers a request the read loop rejected itself.
func (c *Conn) replyError(id json.RawMessage, code int, message string) {
	e := getEncoder()
	e.errorResponse(id, &Error{Code: code, Message: message})
	msg := bytes.Clone(e.buf.Bytes())
	putEncoder(e)
	c.sendAsync(msg)
}

// sendAsync writes msg from a goroutine of its own (see handleLine).
func (c *Conn) sendAsync(msg []byte) {
	if c.closed.Load() {
		return
	}
	c.workers.Add(1)
	go func() {
		defer c.workers.Done()
		_ = c.write(msg)
	}()
}
