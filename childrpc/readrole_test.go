//go:build unix

package childrpc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// A caller whose context ends stops reading in the middle of a line; whoever reads
// next completes that line.
func TestInterruptedReadKeepsTheLine(t *testing.T) {
	rec := newRecorder()
	c, peer := rawPair(t, rec.options(nil))
	ctx, cancel := context.WithCancel(context.Background())
	// After an answer the background reader lets the role go, so the next caller
	// reads for itself.
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "first", nil, nil) }()
	first := peer.recv()
	peer.send(`{"jsonrpc":"2.0","id":` + string(mustJSON(t, first["id"])) + `,"result":0}`)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- c.Call(ctx, "slow", nil, nil) }()
	req := peer.recv()
	if _, err := peer.c.Write([]byte(`{"type":"cut `)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	if m := peer.recv(); m["method"] != "$/cancelRequest" {
		t.Fatalf("want $/cancelRequest, got %v", m)
	}
	if _, err := peer.c.Write([]byte("in two\"}\n")); err != nil {
		t.Fatal(err)
	}
	if ev := rec.waitEvent(t); ev != `{"type":"cut in two"}` {
		t.Fatalf("event %s, want the line put back together", ev)
	}
	// The late answer is dropped quietly; the channel goes on.
	peer.send(`{"jsonrpc":"2.0","id":` + string(mustJSON(t, req["id"])) + `,"result":1}`)
	peer.send(`"after"`)
	if ev := rec.waitEvent(t); ev != `"after"` {
		t.Fatalf("event %s", ev)
	}
	rec.noLogs(t)
}

// A handler that blocks holds up nothing but its own answer, even for requests that
// arrive after it started.
func TestBlockedHandlerDoesNotHoldOthers(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	handlers := echoHandlers()
	handlers["block"] = func(ctx context.Context, _ json.RawMessage) (any, error) {
		close(started)
		<-release
		return "released", nil
	}
	_, peer := rawPair(t, ConnOptions{Handlers: handlers})
	peer.send(`{"jsonrpc":"2.0","id":1,"method":"block"}`)
	<-started
	peer.send(`{"jsonrpc":"2.0","id":2,"method":"echo","params":"meanwhile"}`)
	if m := peer.recv(); m["id"] != float64(2) || m["result"] != "meanwhile" {
		t.Fatalf("want echo's answer first, got %v", m)
	}
	close(release)
	if m := peer.recv(); m["id"] != float64(1) || m["result"] != "released" {
		t.Fatalf("want block's answer, got %v", m)
	}
}

// noDeadline hides SetReadDeadline: a caller whose context may end cannot read
// itself, and waits for a background reader instead.
type noDeadline struct{ io.ReadWriteCloser }

func TestCallsOverAStreamWithoutDeadlines(t *testing.T) {
	a, b := connPair(t)
	started := make(chan struct{}, 1)
	handlers := echoHandlers()
	handlers["wait"] = func(ctx context.Context, _ json.RawMessage) (any, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ca, _ := connsOver(t, noDeadline{a}, b, nil, handlers)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 3 {
		var sum int
		if err := ca.Call(ctx, "add", map[string]int{"A": i, "B": 1}, &sum); err != nil || sum != i+1 {
			t.Fatalf("call %d: %d, %v", i, sum, err)
		}
	}
	waitCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- ca.Call(waitCtx, "wait", nil, nil) }()
	<-started
	stop()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	var sum int
	if err := ca.Call(ctx, "add", map[string]int{"A": 2, "B": 2}, &sum); err != nil || sum != 4 {
		t.Fatalf("after a cancel: %d, %v", sum, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
