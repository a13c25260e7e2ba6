// Package rpcspec holds the examples of the JSON-RPC 2.0 specification (section 7 of
// https://www.jsonrpc.org/specification), one line each as they travel on devrun's
// channels, and the handlers they assume, so that the child channel's tests and the
// control socket's run the same ones.
package rpcspec

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Example is one exchange: what is sent, and what must come back ("" for nothing).
type Example struct {
	Name, Send, Want string
}

// Examples are the specification's, in its order. Error messages are not compared,
// only codes and ids.
var Examples = []Example{
	{"positional params", `{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`, `{"jsonrpc": "2.0", "result": 19, "id": 1}`},
	{"positional params, swapped", `{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}`, `{"jsonrpc": "2.0", "result": -19, "id": 2}`},
	{"named params", `{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`, `{"jsonrpc": "2.0", "result": 19, "id": 3}`},
	{"named params, swapped", `{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`, `{"jsonrpc": "2.0", "result": 19, "id": 4}`},
	{"notification", `{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`, ``},
	{"notification without params", `{"jsonrpc": "2.0", "method": "foobar"}`, ``},
	{"non-existent method", `{"jsonrpc": "2.0", "method": "foobar", "id": "1"}`, `{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}`},
	{"invalid JSON", `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`, `{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}`},
	{"invalid Request object", `{"jsonrpc": "2.0", "method": 1, "params": "bar"}`, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}`},
	{"batch, invalid JSON", `[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method"]`, `{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}`},
	{"empty array", `[]`, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}`},
	{"invalid batch, not empty", `[1]`, `[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]`},
	{"invalid batch", `[1,2,3]`, `[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}, {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}, {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]`},
	{"batch", `[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}, {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"}, {"foo": "boo"}, {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"}, {"jsonrpc": "2.0", "method": "get_data", "id": "9"}]`,
		`[{"jsonrpc": "2.0", "result": 7, "id": "1"}, {"jsonrpc": "2.0", "result": 19, "id": "2"}, {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}, {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"}, {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}]`},
	{"batch, all notifications", `[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]`, ``},
}

// Notified counts the notifications the examples send to methods that exist, by method:
// each must have run.
var Notified = map[string]int{"update": 1, "notify_hello": 2, "notify_sum": 1}

// Subtract, Sum and GetData are the methods the examples call.
func Subtract(params json.RawMessage) (int, error) {
	var pos []int
	if json.Unmarshal(params, &pos) == nil && len(pos) == 2 {
		return pos[0] - pos[1], nil
	}
	var named struct{ Minuend, Subtrahend int }
	if err := json.Unmarshal(params, &named); err != nil {
		return 0, err
	}
	return named.Minuend - named.Subtrahend, nil
}

func Sum(params json.RawMessage) (int, error) {
	var ns []int
	err := json.Unmarshal(params, &ns)
	total := 0
	for _, n := range ns {
		total += n
	}
	return total, err
}

func GetData() []any { return []any{"hello", 5} }

// Normalize reduces an answer line to what the comparison looks at: per response its
// id and its result or error code; a batch's responses sorted.
func Normalize(line string) (string, error) {
	if strings.TrimSpace(line) == "" {
		return "", nil
	}
	var batch []json.RawMessage
	if err := json.Unmarshal([]byte(line), &batch); err == nil {
		var parts []string
		for _, m := range batch {
			p, err := normalizeOne(m)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		sort.Strings(parts)
		return "[" + strings.Join(parts, " ") + "]", nil
	}
	return normalizeOne(json.RawMessage(line))
}

func normalizeOne(m json.RawMessage) (string, error) {
	var r map[string]json.RawMessage
	if err := json.Unmarshal(m, &r); err != nil {
		return "", fmt.Errorf("%s: %v", m, err)
	}
	id, hasID := r["id"]
	result, hasResult := r["result"]
	errObj, hasError := r["error"]
	if string(r["jsonrpc"]) != `"2.0"` || !hasID || hasResult == hasError {
		return "", fmt.Errorf("not a JSON-RPC 2.0 response: %s", m)
	}
	if hasError {
		var e struct{ Code int }
		if err := json.Unmarshal(errObj, &e); err != nil {
			return "", fmt.Errorf("%s: %v", m, err)
		}
		return fmt.Sprintf("id=%s error=%d", compact(id), e.Code), nil
	}
	return fmt.Sprintf("id=%s result=%s", compact(id), compact(result)), nil
}

func compact(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	b, _ := json.Marshal(v)
	return string(b)
}
