package childrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"
)

// message is any JSON-RPC object, its members kept raw so that a wrong type is an
// error we can name and an id is echoed byte for byte.
type message struct {
	JSONRPC json.RawMessage `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  json.RawMessage `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
	Cmd     json.RawMessage `json:"cmd"`
}

// request is a request (id set) or a notification to run.
type request struct {
	ctx    context.Context
	id     json.RawMessage
	method string
	params json.RawMessage
	call   *incomingCall // requests only
}

// job is what one goroutine runs: a request, or the requests of a batch with the
// answers already known for its invalid members.
type job struct {
	reqs  []request
	batch bool
	errs  [][]byte
	size  int
}

// incomingCall is a request being handled, findable by its id for $/cancelRequest.
type incomingCall struct {
	cancel          context.CancelFunc
	cancelledByPeer bool // guarded by Conn.mu
}

// maxBatch bounds the members of a batch; maxID the length of an id.
const (
	maxBatch = 1000
	maxID    = 1024
)

var nullID = json.RawMessage("null")

// read is the Conn's one reading goroutine.
func (c *Conn) read() {
	defer c.workers.Done()
	defer close(c.done)
	for {
		line, dropped, err := c.lines.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				c.endOfInput()
				c.closeWith(nil)
			} else {
				c.closeWith(fmt.Errorf("reading: %w", err))
			}
			return
		}
		if dropped > 0 {
			c.oversize(line, dropped)
			continue
		}
		c.handleLine(line)
	}
}

func (c *Conn) handleLine(line []byte) {
	line = bytes.TrimSpace(line) // tolerate \r\n and stray blanks
	if len(line) == 0 {
		return // carries nothing; answering it would be noise
	}
	if !utf8.Valid(line) {
		// Only strings can hold such bytes in valid JSON: replacing them keeps it valid,
		// and nobody downstream gets bytes their JSON parser may reject.
		line = bytes.ToValidUTF8(line, []byte("\uFFFD"))
	}
	// Unmarshal checks the whole line before it decodes anything: one pass finds a
	// syntax error, which is all a parse error needs.
	var err error
	switch line[0] {
	case '[':
		var members []json.RawMessage
		if err = json.Unmarshal(line, &members); err == nil {
			c.handleBatch(members)
		}
	case '{':
		var m message
		if err = json.Unmarshal(line, &m); err == nil {
			c.handleObject(line, &m)
		}
	default:
		if err = json.Unmarshal(line, new(json.RawMessage)); err == nil {
			c.event(line) // "ready", numbers: not JSON-RPC
		}
	}
	if err != nil {
		c.log.printf("childrpc: received a line that is not JSON (%v): %.80q", err, line)
		c.reply(errorResponse(nil, CodeParseError, "parse error: "+err.Error()))
	}
}

func (c *Conn) handleObject(line []byte, m *message) {
	if m.JSONRPC == nil && m.Method == nil {
		c.handleEvent(line, m)
		return
	}
	r, errResp := c.parse(m)
	switch {
	case errResp != nil:
		c.reply(errResp)
	case r == nil: // a response or a $/ notification: done
	case r.id == nil:
		c.queueNotification(*r)
	default:
		c.schedule(job{reqs: []request{*r}, size: len(r.params)})
	}
}

// handleEvent passes on a value without JSON-RPC members, but for Node's own messages.
func (c *Conn) handleEvent(line []byte, m *message) {
	var cmd string
	if json.Unmarshal(m.Cmd, &cmd) == nil && strings.HasPrefix(cmd, "NODE_") {
		// A handle cannot travel over this channel: refuse it the way Node expects, so
		// the sender gives up instead of waiting.
		if cmd == "NODE_HANDLE" {
			c.reply([]byte(`{"cmd":"NODE_HANDLE_NACK"}` + "\n"))
		}
		return
	}
	c.event(line)
}

func (c *Conn) event(v []byte) {
	if c.opts.OnEvent != nil {
		c.opts.OnEvent(json.RawMessage(bytes.Clone(v)))
	}
}

// handleBatch answers a batch: its requests run, in order, as one job, and their
// answers go out as one array; a batch of notifications only is answered with nothing.
func (c *Conn) handleBatch(members []json.RawMessage) {
	switch {
	case len(members) == 0:
		c.reply(errorResponse(nil, CodeInvalidRequest, "invalid request: an empty batch"))
		return
	case len(members) > maxBatch:
		c.reply(errorResponse(nil, CodeInvalidRequest,
			fmt.Sprintf("invalid request: a batch of %d members, over the limit of %d", len(members), maxBatch)))
		return
	}
	var j job
	j.batch = true
	for _, raw := range members {
		var m message
		if raw[0] != '{' || json.Unmarshal(raw, &m) != nil || m.JSONRPC == nil {
			j.errs = append(j.errs, errorResponse(nil, CodeInvalidRequest, "invalid request: not a JSON-RPC 2.0 object"))
			continue
		}
		r, errResp := c.parse(&m)
		switch {
		case errResp != nil:
			j.errs = append(j.errs, errResp)
		case r != nil:
			j.reqs = append(j.reqs, *r)
			j.size += len(r.params)
		}
	}
	if len(j.reqs) == 0 {
		if len(j.errs) > 0 {
			c.reply(joinBatch(j.errs))
		}
		return
	}
	c.schedule(j)
}

// parse checks one JSON-RPC object. It returns the request to run, or the error answer
// to send, or neither (a response, handled here; a $/ notification).
func (c *Conn) parse(m *message) (*request, []byte) {
	isRequest := m.ID != nil
	id := m.ID
	if isRequest && (!validID(id) || len(id) > maxID) {
		id = nil // unusable: answered with id null
	}
	if string(m.JSONRPC) != `"2.0"` {
		if m.Method == nil && m.Result == nil && m.Error == nil && m.JSONRPC != nil {
			return nil, errorResponse(id, CodeInvalidRequest, `invalid request: no method, result or error`)
		}
		if m.Method == nil {
			c.log.printf("childrpc: dropped a response whose jsonrpc is not \"2.0\": %.80q", m.JSONRPC)
			return nil, nil
		}
		return nil, errorResponse(id, CodeInvalidRequest, `invalid request: jsonrpc must be "2.0"`)
	}
	if m.Method == nil {
		if m.Result == nil && m.Error == nil {
			return nil, errorResponse(id, CodeInvalidRequest, "invalid request: no method, result or error")
		}
		c.handleResponse(m)
		return nil, nil
	}
	if isRequest && id == nil {
		return nil, errorResponse(nil, CodeInvalidRequest,
			fmt.Sprintf("invalid request: id must be a string, a number or null, of at most %d bytes", maxID))
	}
	var method string
	if len(m.Method) == 0 || m.Method[0] != '"' || json.Unmarshal(m.Method, &method) != nil {
		if isRequest {
			return nil, errorResponse(id, CodeInvalidRequest, "invalid request: method must be a string")
		}
		return nil, errorResponse(nil, CodeInvalidRequest, "invalid request: method must be a string")
	}
	if string(m.Params) == "null" {
		m.Params = nil // not structured, but plainly meant as none
	}
	if p := m.Params; p != nil && p[0] != '{' && p[0] != '[' {
		if isRequest {
			return nil, errorResponse(id, CodeInvalidParams, "invalid params: params must be an object or an array")
		}
		c.log.printf("childrpc: notification %.80q: params must be an object or an array", method)
		return nil, nil
	}
	if strings.HasPrefix(method, "$/") {
		if method == MethodCancelRequest {
			c.cancelIncoming(m.Params)
		}
		if isRequest { // $/ notifications are optional by convention: others are ignored
			if method == MethodCancelRequest {
				return nil, resultResponse(id, nil)
			}
			return nil, errorResponse(id, CodeMethodNotFound, "method not found: "+method)
		}
		return nil, nil
	}
	r := &request{ctx: notificationCtx(c.ctx), id: id, method: method, params: m.Params}
	if isRequest {
		// Registered before anyone runs it, so that a $/cancelRequest read right after
		// this line always finds it.
		ctx, cancel := context.WithCancel(c.ctx)
		r.ctx, r.call = ctx, &incomingCall{cancel: cancel}
		c.mu.Lock()
		c.incoming[string(id)] = r.call
		c.mu.Unlock()
	}
	return r, nil
}

type notificationKey struct{}

func notificationCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, notificationKey{}, true)
}

// IsNotification reports whether the handler given ctx runs a notification, whose
// result nobody receives: a proxy forwards it as a notification too.
func IsNotification(ctx context.Context) bool {
	v, _ := ctx.Value(notificationKey{}).(bool)
	return v
}

// validID reports whether a request id is one JSON-RPC allows: string, number or null.
func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	switch c := id[0]; {
	case c == '"', c == '-', '0' <= c && c <= '9', c == 'n':
		return true
	}
	return false
}

// handleResponse hands an answer to the call waiting for it.
func (c *Conn) handleResponse(m *message) {
	if string(m.Error) == "null" {
		m.Error = nil // JSON-RPC 1.0 style "error":null next to a result
	}
	id, err := strconv.ParseUint(string(m.ID), 10, 64)
	if err != nil {
		// Our ids are plain integers, so this answers nothing we sent. With an error and
		// no id, it is the peer telling us a line of ours was unreadable.
		if m.Error != nil && (m.ID == nil || string(m.ID) == "null") {
			c.log.printf("childrpc: the peer reported an error: %.200s", m.Error)
			var e Error
			if json.Unmarshal(m.Error, &e) == nil && e.Message != "" {
				c.mu.Lock()
				c.peerSaid = cut(e.Message, 200) // the reason, should the peer hang up now
				c.mu.Unlock()
			}
		} else {
			c.log.printf("childrpc: received a response with unknown id %.80s", m.ID)
		}
		return
	}
	r := reply{result: m.Result}
	if m.Error != nil {
		rpcErr := new(Error)
		if m.Error[0] != '{' || json.Unmarshal(m.Error, rpcErr) != nil {
			rpcErr = &Error{Code: CodeInternalError, Message: fmt.Sprintf("malformed error response: %.200s", m.Error)}
		}
		r = reply{err: rpcErr}
	}
	if !c.deliver(id, r) {
		c.log.printf("childrpc: received a response with unknown id %d", id)
	}
}

// oversize deals with a line over the limit, of which the reader kept the start: a
// request among them is answered with an error naming the limit, and a call waiting
// for an answer among them gets that error.
func (c *Conn) oversize(start []byte, size int) {
	c.log.printf("childrpc: dropped a line of %d bytes, over the %d-byte limit", size, c.opts.MaxLine)
	id, kind := scanStart(start)
	if id == nil || !validID(id) || len(id) > maxID {
		return
	}
	msg := fmt.Sprintf("a message of %d bytes is over the %d-byte line limit", size, c.opts.MaxLine)
	if kind != startRequest {
		if n, err := strconv.ParseUint(string(id), 10, 64); err == nil &&
			c.deliver(n, reply{err: &Error{Code: CodeInvalidRequest, Message: "the answer: " + msg}}) {
			return
		}
		if kind == startResponse {
			return
		}
	}
	c.reply(errorResponse(id, CodeInvalidRequest, "invalid request: "+msg))
}

// cancelIncoming handles $/cancelRequest: the handler's context is cancelled and the
// request will be answered -32800.
func (c *Conn) cancelIncoming(params json.RawMessage) {
	var p CancelParams
	if json.Unmarshal(params, &p) != nil || len(p.ID) == 0 {
		c.log.printf("childrpc: $/cancelRequest without a usable id: %.80s", params)
		return
	}
	c.mu.Lock()
	call := c.incoming[string(p.ID)]
	if call != nil {
		call.cancelledByPeer = true
	}
	c.mu.Unlock()
	if call != nil {
		call.cancel()
	}
	// No match: the request has already been answered; nothing to do.
}

// schedule runs j on a goroutine of its own when fewer than MaxRunning run, else
// queues it; a full queue answers CodeBusy. The goroutine is an idle one from an earlier
// job when there is one: a new goroutine grows its stack afresh for every request (a
// handler decoding JSON needs more than the initial stack), which cost a fifth of the
// CPU of a round trip.
func (c *Conn) schedule(j job) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.running < c.opts.MaxRunning {
		c.running++
		c.outstanding++
		reuse := c.idleWorkers > 0
		if reuse {
			c.idleWorkers--
		}
		c.mu.Unlock()
		if reuse {
			c.jobs <- j // room for one per idle goroutine: the reader never waits here
			return
		}
		c.workers.Add(1)
		go c.runJobs(j)
		return
	}
	if len(c.queue) < c.opts.MaxQueued && c.queuedBytes+j.size <= c.opts.MaxLine {
		c.queue = append(c.queue, j)
		c.queuedBytes += j.size
		c.outstanding++
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	msg := fmt.Sprintf("busy: %d requests running and %d waiting", c.opts.MaxRunning, c.opts.MaxQueued)
	var answers [][]byte
	for _, r := range j.reqs {
		c.unregister(r)
		if r.id != nil {
			answers = append(answers, errorResponse(r.id, CodeBusy, msg))
		}
	}
	switch {
	case !j.batch && len(answers) == 1:
		c.reply(answers[0])
	case j.batch && len(answers)+len(j.errs) > 0:
		c.reply(joinBatch(append(j.errs, answers...)))
	}
}

// runJobs runs j, then the queued jobs while there are any, then waits for the next job
// as one of up to maxIdleWorkers idle goroutines.
func (c *Conn) runJobs(j job) {
	defer c.workers.Done()
	for {
		c.runJob(j)
		c.mu.Lock()
		c.outstanding--
		if len(c.queue) > 0 && !c.closed {
			j = c.queue[0]
			c.queue[0] = job{}
			c.queue = c.queue[1:]
			c.queuedBytes -= j.size
			c.mu.Unlock()
			continue
		}
		c.running--
		c.signalIdleLocked()
		if c.closed || c.idleWorkers >= maxIdleWorkers {
			c.mu.Unlock()
			return
		}
		c.idleWorkers++
		c.mu.Unlock()
		select {
		case j = <-c.jobs: // schedule counted it as running
		case <-c.ctx.Done():
			return
		}
	}
}

// maxIdleWorkers bounds the goroutines kept for the next request once their job is done.
const maxIdleWorkers = 4

func (c *Conn) runJob(j job) {
	answers := j.errs
	for _, r := range j.reqs {
		if a := c.serve(r); a != nil {
			answers = append(answers, a)
		}
	}
	switch {
	case !j.batch && len(answers) == 1:
		_ = c.write(answers[0]) // a failed write closes the Conn: nothing else to do
	case j.batch && len(answers) > 0:
		msg := joinBatch(answers)
		if len(msg)-1 > c.opts.MaxLine {
			msg = joinBatch(tooLong(j.reqs, len(msg)-1, c.opts.MaxLine))
		}
		_ = c.write(msg)
	}
}

// tooLong answers the requests of a batch whose answers together are over the limit.
func tooLong(reqs []request, size, limit int) [][]byte {
	var answers [][]byte
	for _, r := range reqs {
		if r.id != nil {
			answers = append(answers, errorResponse(r.id, CodeInternalError,
				fmt.Sprintf("internal error: the batch's answers are %d bytes, over the %d-byte line limit", size, limit)))
		}
	}
	return answers
}

// queueNotification hands a notification to runNotifications, dropping it with a log
// when MaxQueued of them wait already.
func (c *Conn) queueNotification(r request) {
	select {
	case c.notes <- r:
		c.addWork(1)
	default:
		c.log.printf("childrpc: dropped notification %.80q: %d notifications wait already", r.method, c.opts.MaxQueued)
	}
}

func (c *Conn) runNotifications() {
	defer c.workers.Done()
	for {
		select {
		case r := <-c.notes:
			c.serve(r)
			c.addWork(-1)
		case <-c.ctx.Done():
			return
		}
	}
}

func (c *Conn) unregister(r request) {
	if r.call == nil {
		return
	}
	c.mu.Lock()
	if c.incoming[string(r.id)] == r.call {
		delete(c.incoming, string(r.id))
	}
	c.mu.Unlock()
	r.call.cancel()
}

// serve runs one request's handler and returns its answer (nil for a notification).
func (c *Conn) serve(r request) []byte {
	result, err := c.run(r.ctx, r.method, r.params)
	if r.call == nil {
		if err != nil && c.ctx.Err() == nil {
			c.log.printf("childrpc: notification %.80q: %v", r.method, err)
		}
		return nil
	}
	c.mu.Lock()
	cancelled := r.call.cancelledByPeer
	c.mu.Unlock()
	c.unregister(r)
	switch {
	case cancelled:
		return errorResponse(r.id, CodeCancelled, "request cancelled")
	case err != nil:
		return errorObject(r.id, errorReply(err))
	}
	answer := resultResponse(r.id, result)
	if answer == nil {
		_, encErr := json.Marshal(result)
		return errorResponse(r.id, CodeInternalError, fmt.Sprintf("internal error: encoding the result of %q: %v", r.method, encErr))
	}
	if n := len(answer) - 1; n > c.opts.MaxLine {
		return errorResponse(r.id, CodeInternalError,
			fmt.Sprintf("internal error: the result of %q is %d bytes, over the %d-byte line limit", r.method, n, c.opts.MaxLine))
	}
	return answer
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
