//go:build unix

package childrpc

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// Issue 4, "Bad input, both directions": every case gets its JSON-RPC error or a
// logged error, and the channel keeps working for the next message. Each test ends
// with a round trip (alive) to prove the last part.

// alive checks the Conn still answers a request after whatever came before.
func alive(t *testing.T, peer *rawPeer, id string) {
	t.Helper()
	peer.send(`{"jsonrpc":"2.0","id":"` + id + `","method":"add","params":{"A":40,"B":2}}`)
	m := peer.recv()
	if m["id"] != id || m["result"] != float64(42) {
		t.Fatalf("the channel stopped working: got %v", m)
	}
}

func TestBadInputInvalidJSON(t *testing.T) {
	rec := newRecorder()
	_, peer := rawPair(t, rec.options(echoHandlers()))
	for i, line := range []string{`{bad`, `{"jsonrpc":"2.0","id":1,"method":"add"`, `nul`, `"unterminated`, "\x00\xff", `}`} {
		peer.send(line)
		id, code, _ := peer.recvError()
		if id != nil || code != CodeParseError {
			t.Fatalf("%q: got id %v code %d, want null -32700", line, id, code)
		}
		rec.waitLog(t, "not JSON")
		alive(t, peer, "after bad line "+strconv.Itoa(i))
	}
}

func TestBadInputNonObjectValuesAreEvents(t *testing.T) {
	rec := newRecorder()
	_, peer := rawPair(t, rec.options(echoHandlers()))
	for _, v := range []string{`"ready"`, `42`, `true`, `null`, `{"type":"status","ok":true}`, `{"cmd":"custom"}`} {
		peer.send(v)
		if got := rec.waitEvent(t); got != v {
			t.Fatalf("event: got %s want %s", got, v)
		}
	}
	alive(t, peer, "after events")
	rec.noLogs(t)
}

func TestBadInputNodeInternalMessages(t *testing.T) {
	rec := newRecorder()
	_, peer := rawPair(t, rec.options(echoHandlers()))
	peer.send(`{"cmd":"NODE_CLUSTER","data":1}`)
	peer.send(`{"cmd":"NODE_HANDLE","type":"net.Server","msg":{"a":1}}`)
	if line := peer.recvLine(); line != `{"cmd":"NODE_HANDLE_NACK"}` {
		t.Fatalf("NODE_HANDLE answered %s", line)
	}
	peer.send(`"marker"`)
	if ev := rec.waitEvent(t); ev != `"marker"` {
		t.Fatalf("a NODE_ message reached OnEvent: %s", ev)
	}
	alive(t, peer, "after node messages")
	rec.noLogs(t)
}

func TestBadInputUnknownMethod(t *testing.T) {
	_, peer := rawPair(t, ConnOptions{Handlers: echoHandlers()})
	peer.send(`{"jsonrpc":"2.0","id":"x1","method":"nope"}`)
	id, code, msg := peer.recvError()
	if id != "x1" || code != CodeMethodNotFound || !strings.Contains(msg, "nope") {
		t.Fatalf("got %v %d %q", id, code, msg)
	}
	peer.send(`{"jsonrpc":"2.0","id":"x2","method":"$/unknown"}`)
	if id, code, _ := peer.recvError(); id != "x2" || code != CodeMethodNotFound {
		t.Fatalf("$/ request: got %v %d", id, code)
	}
	alive(t, peer, "after unknown")
}

func TestBadInputWrongParamTypes(t *testing.T) {
	_, peer := rawPair(t, ConnOptions{Handlers: echoHandlers()})
	for i, params := range []string{`{"A":"two"}`, `[1,2]`, `"text"`} {
		peer.send(`{"jsonrpc":"2.0","id":` + string(rune('1'+i)) + `,"method":"add","params":` + params + `}`)
		_, code, msg := peer.recvError()
		if code != CodeInvalidParams || !strings.Contains(msg, "invalid params") {
			t.Fatalf("params %s: got %d %q", params, code, msg)
		}
	}
	// Missing and null params decode to the zero value.
	for _, line := range []string{`{"jsonrpc":"2.0","id":"p","method":"add"}`, `{"jsonrpc":"2.0","id":"p","method":"add","params":null}`} {
		peer.send(line)
		if m := peer.recv(); m["result"] != float64(0) {
			t.Fatalf("%s: got %v", line, m)
		}
	}
	alive(t, peer, "after params")
}

func TestBadInputInvalidRequests(t *testing.T) {
	_, peer := rawPair(t, ConnOptions{Handlers: echoHandlers()})
	cases := []struct {
		line   string
		wantID any
	}{
		{`{"jsonrpc":"2.0","id":1}`, float64(1)},
		{`{"jsonrpc":"2.0","id":2,"method":5}`, float64(2)},
		{`{"jsonrpc":"2.0","id":{"x":1},"method":"add"}`, nil},
		{`{"jsonrpc":"2.0","id":[3],"method":"add"}`, nil},
	}
	for _, tc := range cases {
		peer.send(tc.line)
		id, code, _ := peer.recvError()
		if id != tc.wantID || code != CodeInvalidRequest {
			t.Fatalf("%s: got id %v code %d", tc.line, id, code)
		}
	}
	alive(t, peer, "after invalid requests")
}

func TestBadInputOversizeLines(t *testing.T) {
	rec := newRecorder()
	opts := rec.options(echoHandlers())
	opts.MaxLine = 100 << 10 // over the read buffer, so both ways of dropping run
	_, peer := rawPair(t, opts)
	for _, size := range []int{100<<10 + 1, 300 << 10, 5 << 20} {
		peer.send(strings.Repeat("x", size))
		rec.waitLog(t, "dropped a line of "+strconv.Itoa(size)+" bytes")
		alive(t, peer, "after oversize")
	}
	// A line of exactly MaxLine bytes is taken.
	prefix, suffix := `{"jsonrpc":"2.0","id":"exact","method":"echo","params":"`, `"}`
	line := prefix + strings.Repeat("y", opts.MaxLine-len(prefix)-len(suffix)) + suffix
	if len(line) != opts.MaxLine {
		t.Fatalf("test line is %d bytes", len(line))
	}
	peer.send(line)
	if m := peer.recv(); m["id"] != "exact" {
		t.Fatalf("a line of MaxLine bytes was not taken: %v", m["id"])
	}
	rec.noLogs(t)
}

func TestBadInputSmallLimit(t *testing.T) {
	rec := newRecorder()
	opts := rec.options(echoHandlers())
	opts.MaxLine = 64 // under the read buffer: the whole line is read, then dropped
	_, peer := rawPair(t, opts)
	long := `{"jsonrpc":"2.0","id":"long","method":"echo","params":"` + strings.Repeat("z", 100) + `"}`
	peer.send(long)
	rec.waitLog(t, "dropped a line of "+strconv.Itoa(len(long))+" bytes")
	peer.send(`{"jsonrpc":"2.0","id":"s","method":"add"}`)
	if m := peer.recv(); m["id"] != "s" {
		t.Fatalf("got %v", m)
	}
}

func TestBadInputUnknownResponseID(t *testing.T) {
	rec := newRecorder()
	_, peer := rawPair(t, rec.options(echoHandlers()))
	peer.send(`{"jsonrpc":"2.0","id":999,"result":1}`)
	rec.waitLog(t, "unknown id 999")
	peer.send(`{"jsonrpc":"2.0","id":"abc","result":1}`)
	rec.waitLog(t, `unknown id "abc"`)
	peer.send(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`)
	rec.waitLog(t, "reported an error")
	alive(t, peer, "after stray responses")
}

func TestBadInputBlankLinesAndCRLF(t *testing.T) {
	rec := newRecorder()
	_, peer := rawPair(t, rec.options(echoHandlers()))
	peer.send("")
	peer.send("   \r")
	peer.send(`{"jsonrpc":"2.0","id":"crlf","method":"add","params":{"A":1,"B":1}}` + "\r")
	if m := peer.recv(); m["id"] != "crlf" || m["result"] != float64(2) {
		t.Fatalf("CRLF line: %v", m)
	}
	rec.noLogs(t)
}

func TestBadInputUnknownNotification(t *testing.T) {
	rec := newRecorder()
	_, peer := rawPair(t, rec.options(echoHandlers()))
	peer.send(`{"jsonrpc":"2.0","method":"nobody.listens","params":[1]}`)
	rec.waitLog(t, "method not found: nobody.listens")
	peer.send(`{"jsonrpc":"2.0","method":"$/progress","params":{}}`) // optional: ignored
	alive(t, peer, "after notifications")
	rec.noLogs(t)
}

// The peer's side of a call going wrong: a malformed error answer, and the peer
// closing with the call pending.
func TestBadInputPeerAnswers(t *testing.T) {
	c, peer := rawPair(t, ConnOptions{})
	errc := make(chan error, 1)
	go func() { errc <- c.Call(context.Background(), "m", nil, nil) }()
	req := peer.recv()
	peer.send(`{"jsonrpc":"2.0","id":` + jsonNumber(req["id"]) + `,"error":"not an object"}`)
	var rpcErr *Error
	if err := <-errc; !errors.As(err, &rpcErr) || !strings.Contains(rpcErr.Message, "malformed") {
		t.Fatalf("malformed error answer: %v", err)
	}

	go func() { errc <- c.Call(context.Background(), "m", nil, nil) }()
	peer.recv()
	peer.c.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("peer closed mid-call: %v", err)
	}
}

func jsonNumber(v any) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}
