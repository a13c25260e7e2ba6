package childrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// lineKind is what handleLine made of a line.
type lineKind int

const (
	lineDone    lineKind = iota // handled: an event, an error answered or logged
	lineRequest                 // a request or notification: the job serves it
	lineAnswer                  // the answer to one of our calls
)

// handleLine decides what one line is and acts on it; a request or notification is
// returned as a job for the reader to serve. line is only valid during the call (it
// points into the read buffer): whatever outlives it is copied.
//
// A reader must never wait on a write (the peer may be blocked writing to us), so
// every reply sent from here goes through its own goroutine.
func (c *Conn) handleLine(line []byte, msg *wireMsg) (job, lineKind) {
	line = bytes.TrimSpace(line) // tolerate \r\n and stray blanks
	if len(line) == 0 {
		return job{}, lineDone // carries nothing; answering it would be noise
	}
	if line[0] != '{' {
		if !json.Valid(line) {
			c.parseError(line)
			return job{}, lineDone
		}
		c.event(line) // "ready", numbers, arrays: not JSON-RPC
		return job{}, lineDone
	}
	if !json.Valid(line) {
		c.parseError(line)
		return job{}, lineDone
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
			return job{}, lineDone
		}
	}

	if bytes.Equal(msg.Error, nullID) {
		msg.Error = msg.Error[:0] // JSON-RPC 1.0 style "error":null next to a result
	}
	switch {
	case len(msg.Method) > 0:
		return c.handleRequest(msg)
	case len(msg.Result) > 0 || len(msg.Error) > 0:
		if c.handleResponse(msg) {
			return job{}, lineAnswer
		}
	case len(msg.JSONRPC) > 0:
		id := msg.ID
		if !validID(id) {
			id = nil
		}
		c.replyError(id, CodeInvalidRequest, "invalid request: no method, result or error")
	default:
		c.event(line) // an object, but not JSON-RPC: pm2-style {"type":...}, {"cmd":...}
	}
	return job{}, lineDone
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

// handleRequest checks a request or notification and returns the job that serves it.
// $/ methods are handled here.
func (c *Conn) handleRequest(msg *wireMsg) (job, lineKind) {
	isRequest := len(msg.ID) > 0
	if isRequest && !validID(msg.ID) {
		c.replyError(nil, CodeInvalidRequest, "invalid request: id must be a string, a number or null")
		return job{}, lineDone
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
		return job{}, lineDone
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
		return job{}, lineDone
	}
	var params json.RawMessage
	if len(msg.Params) > 0 {
		params = bytes.Clone(msg.Params)
	}

	if !isRequest {
		return job{ctx: c.ctx, method: method, params: params}, lineRequest
	}
	// Registered before anyone runs it, so that a $/cancelRequest read right after
	// this line always finds it.
	ctx, cancel := context.WithCancel(c.ctx)
	req := &incomingRequest{cancel: cancel}
	c.mu.Lock()
	c.incoming[id] = req
	c.mu.Unlock()
	return job{ctx: ctx, id: id, method: method, params: params, req: req}, lineRequest
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

// handleResponse hands an answer to the call waiting for it, reporting whether one
// was.
func (c *Conn) handleResponse(msg *wireMsg) bool {
	id, err := strconv.ParseUint(string(msg.ID), 10, 64)
	if err != nil {
		// Our ids are plain integers, so this answers nothing we sent. With an error and
		// no id, it is the peer telling us a line of ours was unreadable.
		if len(msg.Error) > 0 && (len(msg.ID) == 0 || bytes.Equal(msg.ID, nullID)) {
			c.opts.Logf("childrpc: the peer reported an error: %s", msg.Error)
		} else {
			c.opts.Logf("childrpc: received a response with unknown id %s", msg.ID)
		}
		return false
	}
	c.mu.Lock()
	cl, found := c.pending[id]
	delete(c.pending, id)
	c.stopWaiting(cl)
	c.mu.Unlock()
	if !found {
		c.opts.Logf("childrpc: received a response with unknown id %d", id)
		return false
	}
	if cl == nil {
		return true // the caller gave up (its context ended): expected, drop it
	}
	if len(msg.Error) > 0 {
		rpcErr := new(Error)
		if json.Unmarshal(msg.Error, rpcErr) != nil || msg.Error[0] != '{' {
			rpcErr = &Error{Code: CodeInternalError, Message: "malformed error response: " + string(msg.Error)}
		}
		cl.ch <- reply{err: rpcErr}
		return true
	}
	cl.ch <- reply{result: bytes.Clone(msg.Result)}
	return true
}

// replyError answers a request the reader rejected itself.
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
