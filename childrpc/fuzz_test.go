//go:build unix

package childrpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"
)

// FuzzConn feeds arbitrary bytes to a Conn. It must not panic, must write nothing but
// non-empty lines of valid JSON (what keeps a Node peer alive), must still answer a
// request after them, and must leave no goroutine behind once closed.
//
//	go test -run '^$' -fuzz FuzzConn -fuzztime 30s ./childrpc
func FuzzConn(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"add","params":{"A":1,"B":2}}`,
		`{"jsonrpc":"2.0","id":"s","method":"echo","params":[1,"x",null]}`,
		`{"jsonrpc":"2.0","method":"echo"}`,
		`{"jsonrpc":"2.0","id":1,"method":"boom"}`,
		`{"jsonrpc":"2.0","id":2,"method":"wait"}` + "\n" + `{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":2}}`,
		`{"jsonrpc":"2.0","id":7,"result":{"a":1}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}`,
		`{"cmd":"NODE_HANDLE","type":"net.Server"}`,
		`{"cmd":"NODE_X"}`, `"ready"`, `[1,2]`, `{bad`, "\r\n\r\n", "\x00\xff\xfe",
		`{"jsonrpc":"2.0","id":{"a":1},"method":5}`,
		string(bytes.Repeat([]byte("x"), 5000)),
		`[]`, `[1]`, `[1,2,3]`, `[{"jsonrpc":"2.0","id":1,"method":"add","params":{"A":1}},{"jsonrpc":"2.0","method":"echo"},{"foo":1}]`,
		`[{"jsonrpc":"2.0","method":"echo","params":[1]}]`, `{"jsonrpc":"2.0","method":1,"params":"bar"}`,
		`{"jsonrpc":"1.0","id":1,"method":"echo"}`, `{"id":1,"method":"echo"}`, `{"jsonrpc":"2.0","id":1,"method":"echo","params":"s"}`,
		`{"jsonrpc":"2.0","id":"` + string(bytes.Repeat([]byte("i"), 5000)) + `","method":"echo"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		handlers := echoHandlers()
		handlers["boom"] = func(context.Context, json.RawMessage) (any, error) { panic("boom") }
		handlers["wait"] = func(ctx context.Context, _ json.RawMessage) (any, error) {
			<-ctx.Done() // released by a cancel, or by Close
			return nil, ctx.Err()
		}
		a, b := net.Pipe()
		c := NewConn(a, ConnOptions{
			Handlers: handlers,
			OnEvent:  func(json.RawMessage) {},
			Logf:     func(string, ...any) {},
			MaxLine:  4096, // small, so that random input also exercises dropping
		})

		synced := make(chan struct{})
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			r := bufio.NewReader(b)
			seen := false
			for {
				line, err := r.ReadBytes('\n')
				if err != nil {
					return
				}
				line = bytes.TrimSuffix(line, []byte("\n"))
				if len(line) == 0 || !json.Valid(line) || bytes.ContainsAny(line, "\r\n") {
					t.Errorf("the Conn wrote an unsafe line: %q", line)
				}
				if !seen && bytes.Contains(line, []byte(`"fuzz-end"`)) {
					seen = true
					close(synced)
				}
			}
		}()
		b.Write(data)
		b.Write([]byte("\n" + `{"jsonrpc":"2.0","id":"fuzz-end","method":"echo"}` + "\n"))
		select {
		case <-synced:
		case <-time.After(testWait):
			t.Fatal("no answer to a valid request after the fuzz input")
		}
		c.Close()
		<-drained
		b.Close()
		waitWorkers(t, c)
	})
}

// FuzzScanStart checks the reading of an oversize line's start: on any cut of any
// input it must not panic, and an id it finds must be the value of an "id" member of
// the object.
func FuzzScanStart(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":[1,{"b":"}"}]}}`,
		`{ "id" : "x\"y" , "result" : [ "]" , "\\" ] , "error" : null }`,
		`{"cmd":"NODE_HANDLE","\u0069d":3,"id":4}`,
		`{}`, `{"a":{}}`, `{"method":true,"params":-1.5e3}`, `{"id":[1,2],"result":1}`,
	} {
		f.Add([]byte(seed), uint16(len(seed)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		start := data[:min(int(cut), len(data))]
		id, _ := scanStart(start)
		if id == nil {
			return
		}
		if !json.Valid(id) {
			t.Fatalf("scanStart(%q) found an id that is not JSON: %q", start, id)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.Token()
		for dec.More() {
			key, err := dec.Token()
			var value json.RawMessage
			if err != nil || dec.Decode(&value) != nil {
				break
			}
			if key == "id" && bytes.Equal(value, id) {
				return
			}
		}
		t.Fatalf("scanStart(%q) found id %q, which is no id member of %q", start, id, data)
	})
}
