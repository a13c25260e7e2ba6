package childrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// HandlerFunc answers one request (or notification: result ignored). An error implementing
// interface{ RPCCode() int } chooses its code; *Error is sent as is; others -> -32000.
//
// ctx is cancelled when the caller sends $/cancelRequest for this request (the caller
// then gets -32800 whatever the handler returns) and when the connection closes.
// Requests run concurrently: a handler may itself Call the peer, and one that blocks
// holds up only its own answer. (A handler starts on the goroutine that read its
// request, which spares a thread wake-up; while it runs another goroutine takes over
// reading, at once when more input is waiting, else within 50 ms.)
// params is nil when the request had none; the handler may keep it.
type HandlerFunc func(ctx context.Context, params json.RawMessage) (any, error)

// ConnOptions configures a Conn. The zero value is valid: no handlers (every request is
// answered -32601), events and channel problems ignored, 16 MiB lines.
type ConnOptions struct {
	// Handlers maps method names to their handlers. It is read-only once NewConn
	// returns; an unknown method gets -32601.
	Handlers map[string]HandlerFunc
	// Fallback, when set, answers the methods Handlers does not have (instead of -32601):
	// a proxy forwards them elsewhere, as devrun's control socket does to the program.
	Fallback func(ctx context.Context, method string, params json.RawMessage) (any, error)
	// OnEvent receives each value that is not JSON-RPC: a bare value such as "ready"
	// (Node's process.send('ready')) or an object without JSON-RPC members such as
	// {"cmd":"..."}. Objects whose "cmd" starts with NODE_ are Node's own and never
	// reach it. It is called by the reading goroutine, in order: it must not block.
	OnEvent func(v json.RawMessage)
	// Logf receives channel problems: a line that is not JSON, an oversize line, a
	// response nobody waits for. None of them stops the connection.
	Logf func(format string, args ...any)
	// MaxLine is the longest line accepted, in bytes (default 16 MiB). A longer line
	// is read up to its newline and dropped, with a Logf.
	MaxLine int
}

// DefaultMaxLine is the line limit used when ConnOptions.MaxLine is 0.
const DefaultMaxLine = 16 << 20

// Conn is one end of a JSON-RPC 2.0 channel over newline-delimited JSON. Both ends are
// the same: each can Call and Notify the other and serve the other's requests with its
// Handlers. A Conn is safe for concurrent use; every message is written with a single
// Write, so messages never interleave.
type Conn struct {
	rwc  io.ReadWriteCloser
	opts ConnOptions
	// lookup, when set, replaces opts.Handlers: the child side uses it to hold requests
	// that arrive before Serve until the handlers are final.
	lookup func(ctx context.Context, method string) HandlerFunc

	writeMu sync.Mutex

	mu       sync.Mutex
	pending  map[uint64]*call // nil value: the caller gave up, drop the answer quietly
	incoming map[string]*incomingRequest
	closed   atomic.Bool // set under mu, so that no call registers after failPending

	nextID atomic.Uint64

	jobs        chan job // unbuffered: a send succeeds only into an idle worker
	idleWorkers atomic.Int32

	// The reading role (readrole.go). lines and msg belong to its holder.
	readToken      sync.Mutex
	readEpoch      atomic.Uint64
	lines          *lineReader
	msg            wireMsg
	waiters        atomic.Int32 // callers waiting for somebody else to read their answer; changed under mu
	watchdogAsleep atomic.Bool
	watchdogWake   chan struct{}

	// deadline is rwc when it can interrupt a read, for callers whose context may end.
	deadline      deadliner
	deadlineMu    sync.Mutex
	interruptible bool // a caller whose context may end is reading
	deadlineSet   bool

	ctx      context.Context // cancelled on close: the handlers' parent
	cancel   context.CancelFunc
	done     chan struct{}
	doneOnce sync.Once
	workers  sync.WaitGroup // every goroutine the Conn starts
}

// call is one outgoing request waiting for its answer; pooled, since its channel
// always receives exactly one value before the caller returns.
type call struct {
	ch      chan reply
	waiting bool // counted in Conn.waiters; guarded by Conn.mu
}

type reply struct {
	result json.RawMessage
	err    error
}

var callPool = sync.Pool{New: func() any { return &call{ch: make(chan reply, 1)} }}

// incomingRequest is a request being handled, findable by its id for $/cancelRequest.
type incomingRequest struct {
	cancel          context.CancelFunc
	cancelledByPeer bool // guarded by Conn.mu
}

// NewConn starts reading rwc at once and returns the Conn. It owns rwc from then on:
// Close closes it, and the peer closing it ends the Conn.
func NewConn(rwc io.ReadWriteCloser, opts ConnOptions) *Conn {
	return newConn(rwc, opts, nil)
}

func newConn(rwc io.ReadWriteCloser, opts ConnOptions, lookup func(context.Context, string) HandlerFunc) *Conn {
	if opts.MaxLine <= 0 {
		opts.MaxLine = DefaultMaxLine
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	c := &Conn{
		rwc:      rwc,
		opts:     opts,
		lookup:   lookup,
		pending:  make(map[uint64]*call),
		incoming: make(map[string]*incomingRequest),
		done:     make(chan struct{}),
		jobs:     make(chan job),

		watchdogWake: make(chan struct{}, 1),
	}
	c.lines = newLineReader(rwc, opts.MaxLine, opts.Logf)
	if d, ok := rwc.(deadliner); ok && d.SetReadDeadline(time.Time{}) == nil {
		c.deadline = d // an *os.File on a blocking fd has the method but no deadlines
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.workers.Add(1)
	go c.watchdog()
	c.kickReader()
	return c
}

// Call sends a request and waits for its answer.
//
// params is encoded to JSON (nil sends none; a json.RawMessage is sent as is after
// validation). result is a pointer to decode the answer into, a *json.RawMessage to
// keep it raw, or nil to ignore it. An error answer is returned as a *Error.
// When ctx is done first, Call sends $/cancelRequest for the request and returns an
// error wrapping ctx.Err(). When the connection closes first (Close, or the peer going
// away) Call returns at once with an error wrapping ErrClosed.
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	if err := ctx.Err(); err != nil {
		return callError(method, err)
	}
	e := getEncoder()
	defer putEncoder(e)
	id := c.nextID.Add(1)
	if err := e.request(id, method, params); err != nil {
		return fmt.Errorf("childrpc: encoding params of %q: %w", method, err)
	}

	cl := callPool.Get().(*call)
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		callPool.Put(cl)
		return callError(method, ErrClosed)
	}
	c.pending[id] = cl
	c.mu.Unlock()

	if err := c.write(e.buf.Bytes()); err != nil {
		if c.forget(id) {
			callPool.Put(cl)
		} else {
			<-cl.ch // a reader already took the call: let it finish, then reuse
			callPool.Put(cl)
		}
		return callError(method, err)
	}

	r, err := c.await(ctx, id, cl)
	if err != nil {
		return callError(method, err)
	}
	callPool.Put(cl)
	if r.err != nil {
		if errors.Is(r.err, ErrClosed) {
			return callError(method, ErrClosed)
		}
		return r.err
	}
	return decodeResult(method, r.result, result)
}

// await waits for the answer to request id. It returns an error only when ctx ended
// first; cl is then left to the reader (never reused).
func (c *Conn) await(ctx context.Context, id uint64, cl *call) (reply, error) {
	if c.takeRoleFor(ctx, id, cl) {
		if r, ok := c.readFor(ctx, cl); ok {
			return r, nil
		}
		return c.abandon(ctx, id, cl)
	}
	select {
	case r := <-cl.ch:
		return r, nil
	case <-ctx.Done():
	}
	return c.abandon(ctx, id, cl)
}

// takeRoleFor takes the reading role for a caller when it can; otherwise it counts
// the caller as waiting for a reader and makes sure there is one.
func (c *Conn) takeRoleFor(ctx context.Context, id uint64, cl *call) bool {
	readable := c.canReadFor(ctx)
	if readable && c.tryRead() {
		return true
	}
	// Counted before trying again, so that a reader letting the role go after our
	// last try sees us and hands the role on.
	c.mu.Lock()
	if c.pending[id] == cl {
		cl.waiting = true
		c.waiters.Add(1)
	}
	c.mu.Unlock()
	if readable && c.tryRead() {
		c.mu.Lock()
		c.stopWaiting(cl)
		c.mu.Unlock()
		return true
	}
	if !readable {
		c.kickReader()
	}
	return false
}

// stopWaiting stops counting cl (nil: a call given up) among the callers waiting for
// a reader. c.mu is held.
func (c *Conn) stopWaiting(cl *call) {
	if cl != nil && cl.waiting {
		cl.waiting = false
		c.waiters.Add(-1)
	}
}

// abandon gives up a call whose ctx ended: the peer is told to cancel it, and its
// answer will be dropped.
func (c *Conn) abandon(ctx context.Context, id uint64, cl *call) (reply, error) {
	c.mu.Lock()
	_, waiting := c.pending[id]
	if waiting {
		c.pending[id] = nil
		c.stopWaiting(cl)
	}
	c.mu.Unlock()
	if !waiting {
		return <-cl.ch, nil // the answer is being delivered right now: take it
	}
	c.sendCancel(id)
	return reply{}, ctx.Err()
}

func decodeResult(method string, raw json.RawMessage, result any) error {
	switch dst := result.(type) {
	case nil:
		return nil
	case *json.RawMessage:
		*dst = raw
		return nil
	}
	if err := json.Unmarshal(raw, result); err != nil {
		return fmt.Errorf("childrpc: decoding the result of %q: %w", method, err)
	}
	return nil
}

// forget removes a pending call and reports whether it was still there.
func (c *Conn) forget(id uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.pending[id]
	delete(c.pending, id)
	return ok
}

// sendCancel tells the peer to stop working on request id. It runs in its own
// goroutine so that a caller whose context is done never waits on a full socket.
func (c *Conn) sendCancel(id uint64) {
	c.workers.Add(1)
	go func() {
		defer c.workers.Done()
		e := getEncoder()
		defer putEncoder(e)
		e.buf.WriteString(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":`)
		e.buf.Write(strconv.AppendUint(e.buf.AvailableBuffer(), id, 10))
		e.buf.WriteString("}}\n")
		_ = c.write(e.buf.Bytes())
	}()
}

// Notify sends a notification: a request without id, which gets no answer.
// ctx is only checked before sending.
func (c *Conn) Notify(ctx context.Context, method string, params any) error {
	if err := ctx.Err(); err != nil {
		return callError(method, err)
	}
	e := getEncoder()
	defer putEncoder(e)
	if err := e.notification(method, params); err != nil {
		return fmt.Errorf("childrpc: encoding params of %q: %w", method, err)
	}
	if err := c.write(e.buf.Bytes()); err != nil {
		return callError(method, err)
	}
	return nil
}

// write sends one complete message with a single Write. A failed write may have sent
// part of a line, after which the stream cannot be trusted: the Conn closes.
func (c *Conn) write(msg []byte) error {
	if c.closed.Load() {
		return ErrClosed
	}
	c.writeMu.Lock()
	_, err := c.rwc.Write(msg)
	c.writeMu.Unlock()
	if err != nil {
		c.Close()
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return nil
}

// Close closes the connection: pending calls fail at once with ErrClosed, handlers'
// contexts are cancelled (their answers are dropped), and the underlying
// io.ReadWriteCloser is closed. Close is safe to call more than once.
func (c *Conn) Close() error {
	c.mu.Lock()
	already := c.closed.Swap(true)
	c.mu.Unlock()
	if already {
		return nil
	}
	c.cancel()
	err := c.rwc.Close()
	c.failPending()
	c.finishReading() // when nobody reads; else the reader does it as it leaves
	return err
}

// failPending answers every pending call with ErrClosed.
func (c *Conn) failPending() {
	c.mu.Lock()
	pending := c.pending
	c.pending = make(map[uint64]*call)
	for _, cl := range pending {
		c.stopWaiting(cl)
	}
	c.mu.Unlock()
	for _, cl := range pending {
		if cl != nil {
			cl.ch <- reply{err: ErrClosed}
		}
	}
}

// Done is closed when the Conn has stopped reading: the peer closed the channel, a
// read failed, or Close was called.
func (c *Conn) Done() <-chan struct{} { return c.done }
