//go:build unix

package childrpc

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The failures of issue #16, each reproduced against the rebuilt Conn: a peer must
// neither exhaust it nor silence it, and no answer may be lost in silence.

// waitDone waits for c to close by itself.
func waitDone(t *testing.T, c *Conn, why string) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(testWait):
		t.Fatalf("the Conn did not close: %s", why)
	}
}

// A peer that sends lines which each earn an error reply and never reads is
// disconnected with a logged reason once it has read nothing for WriteTimeout, instead
// of costing memory per line.
func TestFloodOfBadLinesFromAPeerThatNeverReads(t *testing.T) {
	for _, line := range []string{"x", `{"jsonrpc":"2.0"}`, `[1,2,3]`} {
		t.Run(line, func(t *testing.T) {
			rec := newRecorder()
			opts := rec.options(echoHandlers())
			opts.WriteTimeout = 100 * time.Millisecond // how long a peer may read nothing
			c, peer := rawPair(t, opts)
			go func() {
				chunk := []byte(strings.Repeat(line+"\n", 4096))
				for {
					if _, err := peer.c.Write(chunk); err != nil {
						return // the Conn hung up
					}
				}
			}()
			waitDone(t, c, "a peer flooding it without reading")
			for range len(rec.logs) {
				if msg := <-rec.logs; strings.Contains(msg, "closing the channel: the peer") {
					return
				}
			}
			t.Fatal("no log line gave the reason for hanging up")
		})
	}
}

// A peer that reads nothing while the Conn has something to say is disconnected after
// WriteTimeout (the mechanism under test, not a wait for synchronisation).
func TestWriteTimeoutDisconnects(t *testing.T) {
	rec := newRecorder()
	opts := rec.options(nil)
	opts.WriteTimeout = 50 * time.Millisecond
	c, _ := rawPair(t, opts)
	big := []string{strings.Repeat("z", 1<<20)}
	var err error
	for err == nil {
		err = c.Notify(context.Background(), "fill", big) // the peer never reads
	}
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Notify into a peer that does not read: %v", err)
	}
	waitDone(t, c, "write timeout")
	if !strings.Contains(rec.waitLog(t, "closing the channel"), "the peer read nothing for 50ms") {
		t.Fatal("the reason is not logged")
	}
}

// A client that sends its requests and half-closes (shutdown(SHUT_WR), as nc and socat
// do) still gets the answers of the handlers running then.
func TestHalfCloseGetsTheAnswers(t *testing.T) {
	release := make(chan struct{})
	handlers := echoHandlers()
	handlers["slow"] = func(context.Context, json.RawMessage) (any, error) {
		<-release
		return "late answer", nil
	}
	ua, ub := unixPair(t)
	c := NewConn(ua, ConnOptions{Handlers: handlers, Logf: t.Logf})
	t.Cleanup(func() { c.Close() })
	peer := newRawPeer(t, ub)
	peer.send(`{"jsonrpc":"2.0","id":1,"method":"slow"}`)
	peer.send(`{"jsonrpc":"2.0","id":2,"method":"add","params":{"A":1,"B":2}}`)
	peer.send(`x`)
	if err := ub.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for range 2 {
		got[peer.recvLine()] = true
	}
	close(release)
	got[peer.recvLine()] = true
	for _, want := range []string{
		`{"jsonrpc":"2.0","id":1,"result":"late answer"}`,
		`{"jsonrpc":"2.0","id":2,"result":3}`,
	} {
		if !got[want] {
			t.Errorf("missing answer %s; got %v", want, got)
		}
	}
	waitDone(t, c, "end of input once the answers are out")
	waitWorkers(t, c)
}

func unixPair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	a, b := connPair(t)
	return a.(*net.UnixConn), b.(*net.UnixConn)
}

// An answer over the caller's line limit is reported to the caller, naming the limit,
// instead of leaving it to wait for its timeout; a request over it is answered so.
func TestOversizeLinesWithAnID(t *testing.T) {
	sa, sb := connPair(t)
	caller := NewConn(sa, ConnOptions{MaxLine: 64 << 10, Logf: t.Logf})
	callee := NewConn(sb, ConnOptions{Handlers: map[string]HandlerFunc{
		"big": func(context.Context, json.RawMessage) (any, error) { return strings.Repeat("a", 100<<10), nil },
	}, Logf: t.Logf})
	t.Cleanup(func() { caller.Close(); callee.Close() })
	err := caller.Call(context.Background(), "big", nil, nil) // no timeout: must not wait for ever
	var rpcErr *Error
	if !errors.As(err, &rpcErr) || !strings.Contains(rpcErr.Message, "over the 65536-byte line limit") {
		t.Fatalf("an oversize answer: %v", err)
	}

	rec := newRecorder()
	opts := rec.options(echoHandlers())
	opts.MaxLine = 64 << 10
	_, peer := rawPair(t, opts)
	peer.send(`{"jsonrpc":"2.0","id":"huge","method":"echo","params":["` + strings.Repeat("b", 200<<10) + `"]}`)
	id, code, msg := peer.recvError()
	if id != "huge" || code != CodeInvalidRequest || !strings.Contains(msg, "204859 bytes is over the 65536-byte line limit") {
		t.Fatalf("an oversize request: id %v code %d %q", id, code, msg)
	}
	alive(t, peer, "after an oversize request")
}

// The sending side refuses what the peer would drop: a request over the limit fails at
// once, and a handler's result over it is answered with an error.
func TestSenderRefusesOversizeMessages(t *testing.T) {
	handlers := echoHandlers()
	handlers["big"] = func(context.Context, json.RawMessage) (any, error) { return strings.Repeat("a", 2<<10), nil }
	sa, sb := connPair(t)
	a := NewConn(sa, ConnOptions{MaxLine: 1 << 10, Logf: t.Logf})
	b := NewConn(sb, ConnOptions{MaxLine: 1 << 10, Handlers: handlers, Logf: t.Logf})
	t.Cleanup(func() { a.Close(); b.Close() })
	ctx := context.Background()
	err := a.Call(ctx, "echo", []string{strings.Repeat("p", 2<<10)}, nil)
	if err == nil || !strings.Contains(err.Error(), "over the 1024-byte line limit") {
		t.Fatalf("an oversize request was not refused: %v", err)
	}
	var rpcErr *Error
	if err := a.Call(ctx, "big", nil, nil); !errors.As(err, &rpcErr) || rpcErr.Code != CodeInternalError ||
		!strings.Contains(rpcErr.Message, "over the 1024-byte line limit") {
		t.Fatalf("an oversize result: %v", err)
	}
	var sum int
	if err := a.Call(ctx, "add", map[string]int{"A": 1, "B": 1}, &sum); err != nil || sum != 2 {
		t.Fatalf("the channel after refusals: %d, %v", sum, err)
	}
}

// Past MaxRunning requests wait; past MaxQueued they are answered CodeBusy.
func TestBoundedHandlers(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	handlers := echoHandlers()
	handlers["block"] = func(context.Context, json.RawMessage) (any, error) {
		started <- struct{}{}
		<-release
		return "done", nil
	}
	opts := ConnOptions{Handlers: handlers, MaxRunning: 2, MaxQueued: 1, Logf: t.Logf}
	_, peer := rawPair(t, opts)
	for i := range 2 {
		peer.send(`{"jsonrpc":"2.0","id":` + strconv.Itoa(i) + `,"method":"block"}`)
		<-started
	}
	peer.send(`{"jsonrpc":"2.0","id":"queued","method":"add","params":{"A":1,"B":1}}`)
	peer.send(`{"jsonrpc":"2.0","id":"over","method":"add","params":{"A":1,"B":1}}`)
	if id, code, msg := peer.recvError(); id != "over" || code != CodeBusy || !strings.Contains(msg, "2 requests running and 1 waiting") {
		t.Fatalf("past the bound: %v %d %q", id, code, msg)
	}
	close(release)
	got := map[any]bool{}
	for range 3 {
		got[peer.recv()["id"]] = true
	}
	if !got[float64(0)] || !got[float64(1)] || !got["queued"] {
		t.Fatalf("answers after the release: %v", got)
	}
}

// Invalid UTF-8 from a peer is replaced, never passed on: not to a handler, not to a
// caller.
func TestInvalidUTF8IsReplaced(t *testing.T) {
	c, peer := rawPair(t, ConnOptions{Handlers: echoHandlers()})
	peer.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[\"a\xffb\"]}")
	if line := peer.recvLine(); line != `{"jsonrpc":"2.0","id":1,"result":["a`+"\uFFFD"+`b"]}` {
		t.Fatalf("echoed: %q", line)
	}
	errc := make(chan error, 1)
	var got json.RawMessage
	go func() { errc <- c.Call(context.Background(), "m", nil, &got) }()
	req := peer.recv()
	peer.send("{\"jsonrpc\":\"2.0\",\"id\":" + jsonNumber(req["id"]) + ",\"result\":\"\xc3\"}")
	if err := <-errc; err != nil || string(got) != `"`+"\uFFFD"+`"` {
		t.Fatalf("result: %q, %v", got, err)
	}
}

// jsonrpc must be "2.0" for anything run as a request; values without it stay events.
func TestJSONRPCVersion(t *testing.T) {
	rec := newRecorder()
	_, peer := rawPair(t, rec.options(echoHandlers()))
	for _, line := range []string{
		`{"jsonrpc":"1.0","id":1,"method":"add","params":{"A":1,"B":1}}`,
		`{"id":1,"method":"add","params":{"A":1,"B":1}}`,
		`{"jsonrpc":2,"id":1,"method":"add"}`,
	} {
		peer.send(line)
		if id, code, _ := peer.recvError(); id != float64(1) || code != CodeInvalidRequest {
			t.Fatalf("%s: got id %v code %d, want 1 -32600", line, id, code)
		}
	}
	peer.send(`{"jsonrpc":"1.0","method":"add"}`) // a notification: answered with id null
	if id, code, _ := peer.recvError(); id != nil || code != CodeInvalidRequest {
		t.Fatalf("1.0 notification: got id %v code %d", id, code)
	}
	peer.send(`{"type":"process:msg","data":{"id":1}}`)
	if ev := rec.waitEvent(t); !strings.Contains(ev, "process:msg") {
		t.Fatalf("event: %s", ev)
	}
	alive(t, peer, "after other versions")
}

// Notifications run one at a time, in order.
func TestNotificationsRunInOrder(t *testing.T) {
	got := make(chan int, 100)
	hb := map[string]HandlerFunc{
		"n": TypedHandler(func(ctx context.Context, p []int) (struct{}, error) {
			got <- p[0]
			return struct{}{}, nil
		}),
	}
	a, _ := conns(t, connPair, nil, hb)
	for i := range 100 {
		if err := a.Notify(context.Background(), "n", []int{i}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if n := receive(t, got, "notification"); n != i {
			t.Fatalf("notification %d ran as number %d", n, i)
		}
	}
}

// A peer that explains, with an error without id, why it hangs up: pending calls say so.
func TestPeerReasonReachesTheCaller(t *testing.T) {
	c, peer := rawPair(t, ConnOptions{})
	errc := make(chan error, 1)
	go func() { errc <- c.Call(context.Background(), "m", nil, nil) }()
	peer.recv()
	peer.send(`{"jsonrpc":"2.0","id":null,"error":{"code":-32003,"message":"too many connections"}}`)
	peer.c.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "too many connections") {
		t.Fatalf("call when the peer hung up with a reason: %v", err)
	}
}

// A handler that blocks holds up only its own answer.
func TestBlockedHandlerDoesNotHoldOthers(t *testing.T) {
	release := make(chan struct{})
	hb := echoHandlers()
	hb["block"] = func(context.Context, json.RawMessage) (any, error) { <-release; return "released", nil }
	a, _ := conns(t, connPair, nil, hb)
	blocked := make(chan error, 1)
	go func() { blocked <- a.Call(context.Background(), "block", nil, nil) }()
	for i := range 10 {
		var sum int
		if err := a.Call(context.Background(), "add", map[string]int{"A": i, "B": 1}, &sum); err != nil || sum != i+1 {
			t.Fatalf("a call while a handler blocks: %d, %v", sum, err)
		}
	}
	close(release)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
}
