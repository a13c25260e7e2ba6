//go:build unix

package childrpc

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/devrun-dev/devrun/internal/rpcspec"
)

// specHandlers serve the methods of the specification's examples and count the
// notifications that ran.
func specHandlers() (map[string]HandlerFunc, <-chan string) {
	notified := make(chan string, 100)
	note := func(method string) HandlerFunc {
		return func(context.Context, json.RawMessage) (any, error) {
			notified <- method
			return nil, nil
		}
	}
	h := map[string]HandlerFunc{
		"subtract": func(_ context.Context, p json.RawMessage) (any, error) { return rpcspec.Subtract(p) },
		"sum":      func(_ context.Context, p json.RawMessage) (any, error) { return rpcspec.Sum(p) },
		"get_data": func(context.Context, json.RawMessage) (any, error) { return rpcspec.GetData(), nil },
		"sync":     func(context.Context, json.RawMessage) (any, error) { return "synced", nil },
	}
	for m := range rpcspec.Notified {
		h[m] = note(m)
	}
	return h, notified
}

// TestSpecificationExamples sends the examples of section 7 of the JSON-RPC 2.0
// specification, each followed by a request that proves nothing else was answered.
func TestSpecificationExamples(t *testing.T) {
	handlers, notified := specHandlers()
	rec := newRecorder()
	_, peer := rawPair(t, rec.options(handlers))
	for _, ex := range rpcspec.Examples {
		peer.send(ex.Send)
		if ex.Want != "" {
			got, err := rpcspec.Normalize(peer.recvLine())
			want, _ := rpcspec.Normalize(ex.Want)
			if err != nil || got != want {
				t.Errorf("%s: got %s (%v), want %s", ex.Name, got, err, want)
			}
		}
		peer.send(`{"jsonrpc":"2.0","id":"sync","method":"sync"}`)
		if m := peer.recv(); m["id"] != "sync" {
			t.Fatalf("%s: an answer where none was due: %v", ex.Name, m)
		}
	}
	got := map[string]int{}
	for range 4 { // the notifications of the examples, to methods that exist
		got[receive(t, notified, "a notification of the examples")]++
	}
	if !reflect.DeepEqual(got, rpcspec.Notified) {
		t.Fatalf("notifications that ran: %v, want %v", got, rpcspec.Notified)
	}
}
