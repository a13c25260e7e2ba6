//go:build unix

package childrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// transports are the two kinds of io.ReadWriteCloser every Conn test runs over:
// net.Pipe (synchronous, no buffering at all) and a real socketpair.
var transports = []struct {
	name string
	pair func(t testing.TB) (net.Conn, net.Conn)
}{
	{"pipe", func(testing.TB) (net.Conn, net.Conn) { return net.Pipe() }},
	{"socketpair", connPair},
}

// conns returns two Conns talking to each other, each with the given handlers.
func conns(t testing.TB, pair func(testing.TB) (net.Conn, net.Conn), ha, hb map[string]HandlerFunc) (*Conn, *Conn) {
	a, b := pair(t)
	return connsOver(t, a, b, ha, hb)
}

// connsOver returns Conns over the two ends of a stream; the test waits for their
// goroutines to end.
func connsOver(t testing.TB, a, b io.ReadWriteCloser, ha, hb map[string]HandlerFunc) (*Conn, *Conn) {
	ca := NewConn(a, ConnOptions{Handlers: ha, Logf: t.Logf})
	cb := NewConn(b, ConnOptions{Handlers: hb, Logf: t.Logf})
	t.Cleanup(func() {
		ca.Close()
		cb.Close()
		waitWorkers(t, ca)
		waitWorkers(t, cb)
	})
	return ca, cb
}

func TestCallBothDirections(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			a, b := conns(t, tr.pair, echoHandlers(), echoHandlers())
			ctx := context.Background()
			var sum int
			if err := a.Call(ctx, "add", map[string]int{"A": 2, "B": 3}, &sum); err != nil || sum != 5 {
				t.Fatalf("a->b add: %d, %v", sum, err)
			}
			var echoed struct{ Text string }
			if err := b.Call(ctx, "echo", struct{ Text string }{"héllo <&> \"quoted\"\n"}, &echoed); err != nil {
				t.Fatalf("b->a echo: %v", err)
			}
			if echoed.Text != "héllo <&> \"quoted\"\n" {
				t.Fatalf("b->a echo: got %q", echoed.Text)
			}
		})
	}
}

func TestCallResultForms(t *testing.T) {
	a, _ := conns(t, connPair, nil, echoHandlers())
	ctx := context.Background()
	var raw json.RawMessage
	if err := a.Call(ctx, "echo", []int{1, 2}, &raw); err != nil || string(raw) != "[1,2]" {
		t.Fatalf("raw result: %s, %v", raw, err)
	}
	if err := a.Call(ctx, "echo", nil, &raw); err != nil || string(raw) != "null" {
		t.Fatalf("no params: %s, %v", raw, err)
	}
	if err := a.Call(ctx, "add", map[string]int{"A": 1}, nil); err != nil {
		t.Fatalf("nil result: %v", err)
	}
	var wrong string
	err := a.Call(ctx, "add", map[string]int{"A": 1}, &wrong)
	if err == nil || !strings.Contains(err.Error(), "decoding the result") {
		t.Fatalf("int result into a string: %v", err)
	}
	if err := a.Call(ctx, "echo", json.RawMessage(`{"a": [1, 2]}`), &raw); err != nil || string(raw) != `{"a":[1,2]}` {
		t.Fatalf("raw params are sent compact: %s, %v", raw, err)
	}
	if err := a.Call(ctx, "echo", json.RawMessage(`{bad`), &raw); err == nil || !strings.Contains(err.Error(), "encoding params") {
		t.Fatalf("invalid raw params must not be sent: %v", err)
	}
	if err := a.Call(ctx, "echo", func() {}, &raw); err == nil {
		t.Fatal("params that cannot be encoded must fail")
	}
	// The channel is fine after the failed encodings.
	if err := a.Call(ctx, "add", map[string]int{"A": 1, "B": 1}, &raw); err != nil || string(raw) != "2" {
		t.Fatalf("after failed encodings: %s, %v", raw, err)
	}
}

func TestConcurrentCallsMatchedByID(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			a, b := conns(t, tr.pair, echoHandlers(), echoHandlers())
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for g := 0; g < 16; g++ {
				for _, c := range []*Conn{a, b} {
					wg.Add(1)
					go func(c *Conn, g int) {
						defer wg.Done()
						for i := 0; i < 100; i++ {
							var got int
							if err := c.Call(context.Background(), "add", map[string]int{"A": g * 1000, "B": i}, &got); err != nil {
								errs <- err
								return
							}
							if got != g*1000+i {
								errs <- fmt.Errorf("caller %d call %d got %d", g, i, got)
								return
							}
						}
					}(c, g)
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

// A handler may call back into the peer while the peer waits for its answer.
func TestNestedCalls(t *testing.T) {
	var b *Conn
	hb := map[string]HandlerFunc{
		"outer": TypedHandler(func(ctx context.Context, n []int) (int, error) {
			var inner int
			err := b.Call(ctx, "inner", n, &inner)
			return inner * 10, err
		}),
	}
	ha := map[string]HandlerFunc{
		"inner": TypedHandler(func(ctx context.Context, n []int) (int, error) { return n[0] + 1, nil }),
	}
	a, bb := conns(t, connPair, ha, hb)
	b = bb
	var got int
	if err := a.Call(context.Background(), "outer", []int{4}, &got); err != nil || got != 50 {
		t.Fatalf("outer: %d, %v", got, err)
	}
}

func TestNotify(t *testing.T) {
	got := make(chan string, 1)
	hb := map[string]HandlerFunc{
		"note": TypedHandler(func(ctx context.Context, p []string) (struct{}, error) {
			got <- p[0]
			return struct{}{}, nil
		}),
	}
	a, _ := conns(t, transports[0].pair, nil, hb)
	if err := a.Notify(context.Background(), "note", []string{"hi"}); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "hi" {
			t.Fatalf("notification params: %q", p)
		}
	case <-time.After(testWait):
		t.Fatal("notification not handled")
	}
}

type codedError struct{ code int }

func (e codedError) Error() string { return fmt.Sprintf("coded %d", e.code) }
func (e codedError) RPCCode() int  { return e.code }

func TestHandlerErrorCodes(t *testing.T) {
	hb := map[string]HandlerFunc{
		"rpcError": func(context.Context, json.RawMessage) (any, error) {
			return nil, &Error{Code: 42, Message: "as is", Data: json.RawMessage(`{"k":1}`)}
		},
		"wrappedRPCError": func(context.Context, json.RawMessage) (any, error) {
			return nil, fmt.Errorf("context: %w", &Error{Code: 43, Message: "inner"})
		},
		"coded": func(context.Context, json.RawMessage) (any, error) {
			return nil, fmt.Errorf("wrapped: %w", codedError{-32099})
		},
		"plain":     func(context.Context, json.RawMessage) (any, error) { return nil, errors.New("plain failure") },
		"badResult": func(context.Context, json.RawMessage) (any, error) { return make(chan int), nil },
	}
	a, _ := conns(t, connPair, nil, hb)
	cases := []struct {
		method, message, data string
		code                  int
	}{
		{"rpcError", "as is", `{"k":1}`, 42},
		{"wrappedRPCError", "inner", "", 43},
		{"coded", "wrapped: coded -32099", "", -32099},
		{"plain", "plain failure", "", CodeHandlerError},
		{"badResult", "encoding the result", "", CodeInternalError},
		{"missing", "method not found: missing", "", CodeMethodNotFound},
	}
	for _, tc := range cases {
		err := a.Call(context.Background(), tc.method, nil, nil)
		var rpcErr *Error
		if !errors.As(err, &rpcErr) {
			t.Fatalf("%s: want *Error, got %v", tc.method, err)
		}
		if rpcErr.Code != tc.code || !strings.Contains(rpcErr.Message, tc.message) || string(rpcErr.Data) != tc.data {
			t.Errorf("%s: got code %d message %q data %s", tc.method, rpcErr.Code, rpcErr.Message, rpcErr.Data)
		}
	}
}

func TestHandlerPanicIsRecovered(t *testing.T) {
	hb := echoHandlers()
	hb["boom"] = func(context.Context, json.RawMessage) (any, error) { panic("kaboom") }
	a, _ := conns(t, connPair, nil, hb)
	for i := 0; i < 3; i++ { // and it keeps serving, panic after panic
		err := a.Call(context.Background(), "boom", nil, nil)
		var rpcErr *Error
		if !errors.As(err, &rpcErr) || rpcErr.Code != CodeInternalError || !strings.Contains(rpcErr.Message, "kaboom") {
			t.Fatalf("panic: got %v", err)
		}
		var stack string
		if err := json.Unmarshal(rpcErr.Data, &stack); err != nil || !strings.Contains(stack, "goroutine") || !strings.Contains(stack, "TestHandlerPanicIsRecovered") {
			t.Fatalf("panic data should be the stack, got %s", rpcErr.Data)
		}
		var sum int
		if err := a.Call(context.Background(), "add", map[string]int{"A": 1, "B": i}, &sum); err != nil || sum != 1+i {
			t.Fatalf("after a panic: %d, %v", sum, err)
		}
	}
}

func TestCancelCall(t *testing.T) {
	started := make(chan struct{})
	handlerSaw := make(chan error, 1)
	hb := map[string]HandlerFunc{
		"wait": func(ctx context.Context, _ json.RawMessage) (any, error) {
			close(started)
			<-ctx.Done()
			handlerSaw <- ctx.Err()
			return "too late", nil
		},
	}
	a, _ := conns(t, connPair, nil, hb)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	err := a.Call(ctx, "wait", nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	select {
	case err := <-handlerSaw:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("handler context: %v", err)
		}
	case <-time.After(testWait):
		t.Fatal("$/cancelRequest did not cancel the handler's context")
	}
	// The late -32800 answer is dropped quietly and the channel goes on.
	var raw json.RawMessage
	if err := a.Call(context.Background(), "missing", nil, &raw); err == nil {
		t.Fatal("want method not found")
	}
	if err := a.Call(ctx, "wait", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("call with a done context: %v", err)
	}
}

// The callee answers a cancelled request with -32800 even when its handler succeeds.
func TestCancelledRequestIsAnswered(t *testing.T) {
	release := make(chan struct{})
	handlers := map[string]HandlerFunc{
		"wait": func(ctx context.Context, _ json.RawMessage) (any, error) {
			<-ctx.Done()
			<-release
			return "done anyway", nil
		},
	}
	_, peer := rawPair(t, ConnOptions{Handlers: handlers})
	peer.send(`{"jsonrpc":"2.0","id":"req-7","method":"wait"}`)
	peer.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"req-7"}}`)
	close(release)
	id, code, _ := peer.recvError()
	if id != "req-7" || code != CodeCancelled {
		t.Fatalf("got id %v code %d, want req-7 -32800", id, code)
	}
	// Cancelling something already answered, or unknown, does nothing.
	peer.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"req-7"}}`)
	peer.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":12345}}`)
	peer.send(`{"jsonrpc":"2.0","id":8,"method":"missing"}`)
	if id, code, _ := peer.recvError(); id != float64(8) || code != CodeMethodNotFound {
		t.Fatalf("after cancels: id %v code %d", id, code)
	}
}

func TestPeerClosingFailsPendingCalls(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			entered := make(chan struct{})
			hb := map[string]HandlerFunc{
				"hang": func(ctx context.Context, _ json.RawMessage) (any, error) {
					close(entered)
					<-ctx.Done()
					return nil, ctx.Err()
				},
			}
			a, b := conns(t, tr.pair, nil, hb)
			errc := make(chan error, 1)
			go func() { errc <- a.Call(context.Background(), "hang", nil, nil) }()
			<-entered
			b.Close()
			select {
			case err := <-errc:
				if !errors.Is(err, ErrClosed) {
					t.Fatalf("pending call: %v, want ErrClosed", err)
				}
			case <-time.After(testWait):
				t.Fatal("the pending call did not fail when the peer closed")
			}
			select {
			case <-a.Done():
			case <-time.After(testWait):
				t.Fatal("Done not closed after the peer closed")
			}
			if err := a.Call(context.Background(), "hang", nil, nil); !errors.Is(err, ErrClosed) {
				t.Fatalf("call after close: %v", err)
			}
			if err := a.Notify(context.Background(), "x", nil); !errors.Is(err, ErrClosed) {
				t.Fatalf("notify after close: %v", err)
			}
		})
	}
}

func TestCloseFailsOwnPendingCalls(t *testing.T) {
	a, peer := rawPair(t, ConnOptions{})
	errc := make(chan error, 1)
	go func() { errc <- a.Call(context.Background(), "never", nil, nil) }()
	peer.recv() // the request is out: the call is pending
	a.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending call after Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	waitWorkers(t, a)
}

func TestLargeMessage5MB(t *testing.T) {
	a, _ := conns(t, connPair, echoHandlers(), echoHandlers())
	big := strings.Repeat("0123456789abcdef", 5<<20/16)
	var got []string
	if err := a.Call(context.Background(), "echo", []string{big}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != big {
		t.Fatalf("5 MB echo: got %d bytes", len(got))
	}
}

// A Conn works over any io.ReadWriteCloser, here two io.Pipes.
func TestConnOverPlainPipes(t *testing.T) {
	ar, bw := io.Pipe()
	br, aw := io.Pipe()
	a := NewConn(rwc{ar, aw}, ConnOptions{})
	b := NewConn(rwc{br, bw}, ConnOptions{Handlers: echoHandlers()})
	defer b.Close()
	defer a.Close()
	var sum int
	if err := a.Call(context.Background(), "add", map[string]int{"A": 20, "B": 22}, &sum); err != nil || sum != 42 {
		t.Fatalf("over io.Pipe: %d, %v", sum, err)
	}
}

type rwc struct {
	*io.PipeReader
	*io.PipeWriter
}

func (p rwc) Close() error {
	p.PipeReader.Close()
	return p.PipeWriter.Close()
}
