// Package mcp is a Model Context Protocol server over stdio, tools only: devrun mcp's tools
// are registered with NewTool and served by Serve.
package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/devrun-dev/devrun/childrpc"
)

// The MCP server is written here rather than with the official SDK (github.com/modelcontextprotocol/go-sdk,
// which the tests use as the client): linked into devrun, the SDK and its dependencies would
// grow every running devrun and its helper processes, for a protocol that over stdio is
// JSON-RPC with three methods.

// versions are the protocol versions this server speaks, newest first.
var versions = []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

const (
	maxLine     = 16 << 20 // one message from the client, as the SDK's own limit
	maxInFlight = 16       // tool calls running at once; more wait to be read
)

// Server is what Serve says of itself, and its tools.
type Server struct {
	Name, Version, Instructions string
	Tools                       []*Tool
}

// Tool is one tool: its schema for tools/list and its handler.
type Tool struct {
	Name, Description string
	// Describe, when set, gives the description at each tools/list (it may list what the
	// running programs offer).
	Describe func(ctx context.Context) string
	props    []Prop
	call     func(ctx context.Context, args json.RawMessage) (Answer, error)
}

// Answer is a tool's result: text, and whether it reports a failure.
type Answer struct {
	Text    string
	IsError bool
}

// Prop is one property of a tool's input schema; typ "" accepts any JSON value, "array" an
// array of strings.
type Prop struct {
	Name, Type, Desc string
	Required         bool
}

// NewTool makes a tool whose arguments decode into In.
func NewTool[In any](name, description string, props []Prop, fn func(context.Context, In) (Answer, error)) *Tool {
	return &Tool{Name: name, Description: description, props: props,
		call: func(ctx context.Context, args json.RawMessage) (Answer, error) {
			var in In
			if len(args) > 0 && string(args) != "null" {
				if err := json.Unmarshal(args, &in); err != nil {
					return Answer{}, fmt.Errorf("arguments: %v", err)
				}
			}
			return fn(ctx, in)
		}}
}

func (t *Tool) schema() map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, p := range t.props {
		s := map[string]any{"description": p.Desc}
		switch p.Type {
		case "":
		case "array":
			s["type"], s["items"] = "array", map[string]any{"type": "string"}
		default:
			s["type"] = p.Type
		}
		props[p.Name] = s
		if p.Required {
			required = append(required, p.Name)
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}

// mcpRequest is one message from the client.
type mcpRequest struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// Serve answers MCP requests read from in, one JSON-RPC message per line, until in ends.
// Tool calls run concurrently (wait_ready may take a while); a line that is not a valid
// request gets an error reply and the server reads on.
func Serve(ctx context.Context, in io.Reader, out io.Writer, srv Server) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		writeMu  sync.Mutex
		wg       sync.WaitGroup
		mu       sync.Mutex
		inFlight = map[string]context.CancelFunc{}
		slots    = make(chan struct{}, maxInFlight)
	)
	defer wg.Wait()
	send := func(msg []byte) {
		writeMu.Lock()
		defer writeMu.Unlock()
		out.Write(append(msg, '\n'))
	}
	reply := func(id json.RawMessage, result any, rpcErr *childrpc.Error) {
		m := map[string]any{"jsonrpc": "2.0", "id": id}
		if rpcErr != nil {
			m["error"] = map[string]any{"code": rpcErr.Code, "message": rpcErr.Message}
		} else {
			m["result"] = result
		}
		b, err := json.Marshal(m)
		if err != nil {
			b, _ = json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": childrpc.CodeInternalError, "message": err.Error()}})
		}
		send(b)
	}
	br := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := readLine(br)
		if len(bytes.TrimSpace(line)) > 0 {
			if bad := checkMessage(line); bad != nil {
				send(bad)
			} else {
				var req mcpRequest
				json.Unmarshal(line, &req)
				switch {
				case req.Method == "notifications/cancelled":
					var p struct {
						RequestID json.RawMessage `json:"requestId"`
					}
					json.Unmarshal(req.Params, &p)
					mu.Lock()
					if c := inFlight[string(p.RequestID)]; c != nil {
						c()
					}
					mu.Unlock()
				case len(req.ID) == 0 || req.Method == "":
					// Other notifications, and answers to requests this server never makes.
				case req.Method == "tools/call":
					slots <- struct{}{}
					callCtx, stop := context.WithCancel(ctx)
					mu.Lock()
					inFlight[string(req.ID)] = stop
					mu.Unlock()
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer func() { <-slots }()
						result, rpcErr := callTool(callCtx, srv.Tools, req.Params)
						mu.Lock()
						delete(inFlight, string(req.ID))
						mu.Unlock()
						stop()
						reply(req.ID, result, rpcErr)
					}()
				default:
					result, rpcErr := answerMCP(ctx, srv, req)
					reply(req.ID, result, rpcErr)
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// answerMCP answers the requests other than tools/call.
func answerMCP(ctx context.Context, srv Server, req mcpRequest) (any, *childrpc.Error) {
	switch req.Method {
	case "initialize":
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		json.Unmarshal(req.Params, &p)
		v := versions[0]
		if slices.Contains(versions, p.ProtocolVersion) {
			v = p.ProtocolVersion
		}
		return map[string]any{
			"protocolVersion": v,
			"capabilities":    map[string]any{"tools": map[string]any{}},
			"serverInfo":      map[string]any{"name": srv.Name, "version": srv.Version},
			"instructions":    srv.Instructions,
		}, nil
	case "ping":
		return map[string]any{}, nil
	case "tools/list":
		list := []map[string]any{}
		for _, t := range srv.Tools {
			desc := t.Description
			if t.Describe != nil {
				desc = t.Describe(ctx)
			}
			list = append(list, map[string]any{"name": t.Name, "description": desc, "inputSchema": t.schema()})
		}
		return map[string]any{"tools": list}, nil
	}
	return nil, &childrpc.Error{Code: childrpc.CodeMethodNotFound, Message: fmt.Sprintf("method not found: %q", req.Method)}
}

// callTool runs tools/call. An unknown tool is a protocol error; a tool's own error is a
// result with isError, which the agent reads.
func callTool(ctx context.Context, tools []*Tool, params json.RawMessage) (any, *childrpc.Error) {
	var p struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(params, &p); err != nil || p.Name == "" {
		return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: `tools/call wants {"name":"tool","arguments":{...}}`}
	}
	i := slices.IndexFunc(tools, func(t *Tool) bool { return t.Name == p.Name })
	if i < 0 {
		return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown tool %q", p.Name)}
	}
	answer, err := tools[i].call(ctx, p.Arguments)
	if err != nil {
		answer = Answer{Text: err.Error(), IsError: true}
	}
	return map[string]any{"content": []any{map[string]any{"type": "text", "text": answer.Text}}, "isError": answer.IsError}, nil
}

// readLine reads one line without its newline; a line over maxLine is read to its end and
// replaced by a value that checkMessage refuses.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) <= maxLine {
			line = append(line, chunk...)
		} else {
			line = []byte(`"line too long"`)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), err
	}
}

// checkMessage returns the error reply for a line that is not a JSON-RPC 2.0 message, or nil.
func checkMessage(line []byte) []byte {
	if !json.Valid(line) {
		return errorReply(nil, childrpc.CodeParseError, "parse error: not JSON")
	}
	var m struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Result  json.RawMessage `json:"result"`
		Error   json.RawMessage `json:"error"`
	}
	trimmed := bytes.TrimSpace(line)
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &m) != nil {
		return errorReply(nil, childrpc.CodeInvalidRequest, "invalid request: want one JSON-RPC 2.0 object per line (no batches)")
	}
	id := m.ID
	if len(id) > 0 && id[0] != '"' && (id[0] < '0' || id[0] > '9') && id[0] != '-' {
		id = nil // an id must be a string or a number
	}
	switch {
	case m.JSONRPC != "2.0":
		return errorReply(id, childrpc.CodeInvalidRequest, `invalid request: "jsonrpc" must be "2.0"`)
	case m.Method == "" && (len(m.ID) == 0 || len(m.Result) == 0 && len(m.Error) == 0):
		return errorReply(id, childrpc.CodeInvalidRequest, `invalid request: no "method"`)
	case len(m.ID) > 0 && id == nil:
		return errorReply(nil, childrpc.CodeInvalidRequest, `invalid request: "id" must be a string or a number`)
	}
	return nil
}

func errorReply(id json.RawMessage, code int, message string) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": code, "message": message}})
	return b
}
