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
// Each request runs on a goroutine of its own, up to ConnOptions.MaxRunning at once: a
// handler may itself Call the peer, and one that blocks holds up only its own answer.
// Notifications run one at a time, in the order they arrived (those of a batch run with
// the batch's requests, in order, on the batch's goroutine).
// params is nil when the request had none; the handler may keep it.
type HandlerFunc func(ctx context.Context, params json.RawMessage) (any, error)

// ConnOptions configures a Conn. The zero value is valid: no handlers (every request is
// answered -32601), events and channel problems ignored, the default limits.
type ConnOptions struct {
	// Handlers maps method names to their handlers. It is read-only once NewConn
	// returns; an unknown method gets -32601.
	Handlers map[string]HandlerFunc
	// Fallback, when set, answers the methods Handlers does not have (instead of -32601):
	// a proxy forwards them elsewhere, as devrun's control socket does to the program.
	Fallback func(ctx context.Context, method string, params json.RawMessage) (any, error)
	// OnEvent receives each value that is not JSON-RPC: a bare value such as "ready"
	// (Node's process.send('ready')) or an object without a "jsonrpc" member such as
	// {"cmd":"..."}. Objects whose "cmd" starts with NODE_ are Node's own and never
	// reach it. It is called by the reading goroutine, in order: it must not block.
	OnEvent func(v json.RawMessage)
	// Logf receives channel problems: a line that is not JSON, an oversize line, a
	// response nobody waits for, the reason the Conn closed itself. At most a few a
	// second are passed on, each value in them cut to a few hundred bytes.
	Logf func(format string, args ...any)
	// MaxLine is the longest line accepted, in bytes (default 16 MiB). A longer line
	// is read up to its newline and dropped; a request among them is answered with an
	// error naming the limit, a call waiting for such an answer gets that error. The
	// Conn refuses to send a line longer than this too: the peer is taken to have the
	// same limit.
	MaxLine int
	// MaxRunning bounds the requests whose handlers run at once (default 64). Past it,
	// requests wait, up to MaxQueued of them (default 256) and MaxLine bytes; past
	// that, they are answered CodeBusy.
	MaxRunning, MaxQueued int
	// WriteTimeout is how long one write may wait for the peer to read (default 10 s);
	// a peer that reads nothing for that long is disconnected.
	WriteTimeout time.Duration
	// DrainTimeout is how long, at the end of the input, the Conn waits for its running
	// handlers to finish and their answers to go out before it closes (default 1 min).
	DrainTimeout time.Duration
}

// Defaults of ConnOptions.
const (
	DefaultMaxLine      = 16 << 20
	DefaultMaxRunning   = 64
	DefaultMaxQueued    = 256
	DefaultWriteTimeout = 10 * time.Second
	DefaultDrainTimeout = time.Minute
)

// maxReplies bounds the replies the reader makes itself (parse errors, invalid
// requests) that wait to be written: a peer that sends bad lines and never reads the
// answers fills it and is disconnected.
const maxReplies = 256

// Conn is one end of a JSON-RPC 2.0 channel over newline-delimited JSON. Both ends are
// the same: each can Call and Notify the other and serve the other's requests with its
// Handlers. A Conn is safe for concurrent use.
//
// One goroutine reads and decodes (serve.go); it never waits on a write, so two Conns
// can never block each other. Every message is written whole under one lock.
type Conn struct {
	rwc    io.ReadWriteCloser
	opts   ConnOptions
	lookup func(ctx context.Context, method string) HandlerFunc // replaces Handlers when set
	lines  *lineReader

	writeMu    sync.Mutex    // guards the three below
	writing    bool          // a goroutine is in rwc.Write
	writeQueue []byte        // messages waiting for it
	writeRoom  sync.Cond     // signalled when a write ends
	stall      stallCheck    // closes the Conn when one write waits too long
	replies    chan []byte   // the reader's own replies, written by writeReplies
	notes      chan request  // notifications, run in order by runNotifications
	jobs       chan job      // jobs handed to an idle worker
	idle       chan struct{} // closed when the input ended and no work is left

	mu          sync.Mutex
	closed      bool
	inputEnded  bool
	closeErr    error                    // why the Conn closed, for pending calls
	peerSaid    string                   // the peer's last error without an id
	pending     map[uint64]chan reply    // our calls waiting for their answer
	incoming    map[string]*incomingCall // requests being handled, by id, for $/cancelRequest
	running     int                      // goroutines running jobs
	idleWorkers int                      // goroutines waiting on jobs for their next one
	queue       []job                    // jobs waiting for one
	queuedBytes int
	outstanding int // jobs, notifications and replies not done yet

	nextID atomic.Uint64
	log    logLimiter

	ctx     context.Context // cancelled on close: the handlers' parent
	cancel  context.CancelFunc
	done    chan struct{}
	workers sync.WaitGroup // every goroutine the Conn starts
}

type reply struct {
	result json.RawMessage
	err    error
}

// NewConn starts reading rwc at once and returns the Conn. It owns rwc from then on:
// Close closes it, and the peer closing it ends the Conn.
func NewConn(rwc io.ReadWriteCloser, opts ConnOptions) *Conn {
	return newConn(rwc, opts, nil)
}

func newConn(rwc io.ReadWriteCloser, opts ConnOptions, lookup func(context.Context, string) HandlerFunc) *Conn {
	setDefault(&opts.MaxLine, DefaultMaxLine)
	setDefault(&opts.MaxRunning, DefaultMaxRunning)
	setDefault(&opts.MaxQueued, DefaultMaxQueued)
	setDefault(&opts.WriteTimeout, DefaultWriteTimeout)
	setDefault(&opts.DrainTimeout, DefaultDrainTimeout)
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	c := &Conn{
		rwc:      rwc,
		opts:     opts,
		lookup:   lookup,
		lines:    newLineReader(rwc, opts.MaxLine),
		replies:  make(chan []byte, maxReplies),
		notes:    make(chan request, opts.MaxQueued),
		jobs:     make(chan job, maxIdleWorkers),
		idle:     make(chan struct{}),
		pending:  make(map[uint64]chan reply),
		incoming: make(map[string]*incomingCall),
		done:     make(chan struct{}),
	}
	c.log.logf = opts.Logf
	c.writeRoom.L = &c.writeMu
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.stall.init(opts.WriteTimeout, func() {
		c.closeWith(fmt.Errorf("the peer read nothing for %s", opts.WriteTimeout))
	})
	c.workers.Add(3)
	go c.read()
	go c.writeReplies()
	go c.runNotifications()
	return c
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Call sends a request and waits for its answer.
//
// params is encoded to JSON: it must encode to an object or an array, as JSON-RPC 2.0
// requires (nil sends none; a json.RawMessage is sent after validation). result is a
// pointer to decode the answer into, a *json.RawMessage to keep it raw, or nil to ignore
// it. An error answer is returned as a *Error. When ctx is done first, Call sends
// $/cancelRequest for the request and returns an error wrapping ctx.Err(). When the
// connection closes first (Close, or the peer going away) Call returns at once with an
// error wrapping ErrClosed. A request over the line limit is not sent: Call returns an
// error naming the limit.
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	if err := ctx.Err(); err != nil {
		return callError(method, err)
	}
	id := c.nextID.Add(1)
	msg, err := encodeRequest(id, method, params)
	if err != nil {
		return fmt.Errorf("childrpc: encoding params of %q: %w", method, err)
	}
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.closed || c.inputEnded {
		err := c.closedError()
		c.mu.Unlock()
		return callError(method, err)
	}
	c.pending[id] = ch
	c.mu.Unlock()

	if err := c.write(msg); err != nil {
		c.forget(id)
		return callError(method, err)
	}
	var r reply
	select {
	case r = <-ch:
	case <-ctx.Done():
		if c.forget(id) {
			c.sendCancel(id)
			return callError(method, ctx.Err())
		}
		r = <-ch // the answer is being delivered right now: take it
	}
	if r.err != nil {
		if errors.Is(r.err, ErrClosed) {
			return callError(method, r.err)
		}
		return r.err
	}
	return decodeResult(method, r.result, result)
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

// deliver hands an answer to the call waiting for it, reporting whether one was.
func (c *Conn) deliver(id uint64, r reply) bool {
	c.mu.Lock()
	ch, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ok {
		ch <- r
	}
	return ok
}

// sendCancel tells the peer to stop working on request id. It is written before Call
// returns, so that a Close right after cannot lose it.
func (c *Conn) sendCancel(id uint64) {
	msg, _ := encodeNotification(MethodCancelRequest, CancelParams{ID: json.RawMessage(strconv.FormatUint(id, 10))})
	_ = c.write(msg)
}

// Notify sends a notification: a request without id, which gets no answer. ctx is only
// checked before sending. params are as for Call.
func (c *Conn) Notify(ctx context.Context, method string, params any) error {
	if err := ctx.Err(); err != nil {
		return callError(method, err)
	}
	msg, err := encodeNotification(method, params)
	if err != nil {
		return fmt.Errorf("childrpc: encoding params of %q: %w", method, err)
	}
	if err := c.write(msg); err != nil {
		return callError(method, err)
	}
	return nil
}

// maxWriteQueue bounds the bytes waiting behind the write in progress; a writer past it
// waits for room.
const maxWriteQueue = 1 << 20

// write sends one complete message (newline included). Messages written while another
// write is in progress wait in a bounded queue, and whoever is writing sends them too,
// several in one Write: concurrent callers then cost one system call, not one each.
// write returns once the message is written or queued; a write that fails, or that
// waits longer than WriteTimeout, closes the Conn (part of a line may have gone out,
// after which the stream cannot be trusted) and so fails every pending call.
func (c *Conn) write(msg []byte) error {
	if n := len(msg) - 1; n > c.opts.MaxLine {
		return &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("a message of %d bytes is over the %d-byte line limit", n, c.opts.MaxLine)}
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	for !c.isClosed() && c.writing && len(c.writeQueue) > 0 && len(c.writeQueue)+len(msg) > maxWriteQueue {
		c.writeRoom.Wait() // the write in progress is bounded by WriteTimeout
	}
	if c.isClosed() {
		return c.closedErrorLocked()
	}
	if c.writing {
		c.writeQueue = append(c.writeQueue, msg...)
		return nil
	}
	c.writing = true
	defer func() { c.writing = false }()
	queued := false // msg is a drained queue, ours to reuse
	for {
		c.writeMu.Unlock()
		c.stall.begin()
		_, err := c.rwc.Write(msg)
		c.stall.end()
		c.writeMu.Lock()
		c.writeRoom.Broadcast()
		switch {
		case err != nil && c.isClosed():
			return c.closedErrorLocked() // the stall check closed it, saying why
		case err != nil:
			c.writeMu.Unlock()
			c.closeWith(fmt.Errorf("writing: %w", err))
			c.writeMu.Lock()
			return fmt.Errorf("%w: %v", ErrClosed, err)
		case len(c.writeQueue) == 0:
			return nil
		}
		next := c.writeQueue
		c.writeQueue = nil
		if queued && cap(msg) <= maxWriteQueue {
			c.writeQueue = msg[:0]
		}
		msg, queued = next, true
	}
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Conn) closedErrorLocked() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closedError()
}

// reply queues a message for writeReplies: the reader never writes itself. When
// maxReplies of them wait already, the reader waits for room, up to WriteTimeout: a peer
// that reads nothing for that long is disconnected.
func (c *Conn) reply(msg []byte) {
	select {
	case c.replies <- msg:
		c.addWork(1)
		return
	default:
	}
	timer := time.NewTimer(c.opts.WriteTimeout)
	defer timer.Stop()
	select {
	case c.replies <- msg:
		c.addWork(1)
	case <-timer.C:
		c.closeWith(fmt.Errorf("the peer does not read: %d replies have waited %s to be written", maxReplies, c.opts.WriteTimeout))
	case <-c.ctx.Done():
	}
}

func (c *Conn) writeReplies() {
	defer c.workers.Done()
	for {
		select {
		case msg := <-c.replies:
			_ = c.write(msg) // a failed write closes the Conn: nothing else to do
			c.addWork(-1)
		case <-c.ctx.Done():
			return
		}
	}
}

// addWork counts what must be done before a Conn whose input ended closes.
func (c *Conn) addWork(n int) {
	c.mu.Lock()
	c.outstanding += n
	c.signalIdleLocked()
	c.mu.Unlock()
}

func (c *Conn) signalIdleLocked() {
	if c.inputEnded && c.outstanding == 0 {
		select {
		case <-c.idle:
		default:
			close(c.idle)
		}
	}
}

// endOfInput fails the calls still waiting (no answer can come any more), then waits,
// up to DrainTimeout, for the handlers to finish and every answer to go out.
func (c *Conn) endOfInput() {
	c.mu.Lock()
	c.inputEnded = true
	pending := c.pending
	c.pending = map[uint64]chan reply{}
	c.signalIdleLocked()
	err := fmt.Errorf("%w: the peer closed the channel", ErrClosed)
	if c.peerSaid != "" {
		err = fmt.Errorf("%w: the peer closed the channel, saying: %s", ErrClosed, c.peerSaid)
	}
	c.mu.Unlock()
	for _, ch := range pending {
		ch <- reply{err: err}
	}
	timer := time.NewTimer(c.opts.DrainTimeout)
	defer timer.Stop()
	select {
	case <-c.idle:
	case <-c.ctx.Done():
	case <-timer.C:
		c.log.printf("childrpc: handlers still running %s after the end of input: closing", c.opts.DrainTimeout)
	}
}

// Close closes the connection: pending calls fail at once with ErrClosed, handlers'
// contexts are cancelled (their answers are dropped), and the underlying
// io.ReadWriteCloser is closed. Close is safe to call more than once.
func (c *Conn) Close() error {
	return c.closeWith(nil)
}

// closeWith closes the Conn; reason, when set, is logged and given to pending calls.
func (c *Conn) closeWith(reason error) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	if reason != nil && c.closeErr == nil {
		c.closeErr = reason
	}
	pending := c.pending
	c.pending = map[uint64]chan reply{}
	c.queue = nil
	err := c.closedError()
	c.mu.Unlock()
	if reason != nil {
		c.log.always("childrpc: closing the channel: %v", reason)
	}
	c.cancel()
	closeErr := c.rwc.Close()
	c.writeMu.Lock()
	c.writeRoom.Broadcast()
	c.writeMu.Unlock()
	for _, ch := range pending {
		ch <- reply{err: err}
	}
	return closeErr
}

// closedError is the error of a call on a closed Conn, with the reason when one is
// known. c.mu is held.
func (c *Conn) closedError() error {
	if c.closeErr == nil && c.peerSaid != "" {
		return fmt.Errorf("%w: the peer said: %s", ErrClosed, c.peerSaid)
	}
	if c.closeErr != nil {
		return fmt.Errorf("%w: %v", ErrClosed, c.closeErr)
	}
	return ErrClosed
}

// Done is closed when the Conn has closed: the peer closed the channel (and the
// handlers running then have answered), a read or write failed, the peer stopped
// reading, or Close was called.
func (c *Conn) Done() <-chan struct{} { return c.done }

// logLimiter passes on at most logsPerSecond channel problems a second, so that a
// peer sending garbage cannot flood devrun's log, and says how many it held back.
type logLimiter struct {
	logf       func(format string, args ...any)
	mu         sync.Mutex
	start      time.Time
	count      int
	suppressed int
}

const logsPerSecond = 20

func (l *logLimiter) printf(format string, args ...any) {
	l.print(false, format, args...)
}

// always logs whatever the rate: the reason a Conn closes must never be held back.
func (l *logLimiter) always(format string, args ...any) {
	l.print(true, format, args...)
}

func (l *logLimiter) print(always bool, format string, args ...any) {
	l.mu.Lock()
	now := time.Now()
	if now.Sub(l.start) >= time.Second {
		l.start, l.count = now, 0
	}
	l.count++
	if l.count > logsPerSecond && !always {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	if suppressed > 0 {
		l.logf("childrpc: %d more channel problems were not logged", suppressed)
	}
	l.logf(format, args...)
}

// cut shortens s for a message.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
