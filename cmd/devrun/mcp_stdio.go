package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sync"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpMaxLine bounds one message from the client, as the SDK's own reader does.
const mcpMaxLine = mcp.DefaultMaxLineLength

// guardedStdio is the MCP server's transport: the SDK ends the session on a line that is not
// a JSON-RPC message, so such lines are answered here (-32700 or -32600, id null unless one
// could be read) and never reach it. Everything else passes through unchanged.
func guardedStdio(in io.Reader, out io.Writer) mcp.Transport {
	w := &lockedWriter{w: out}
	pr, pw := io.Pipe()
	go func() {
		br := bufio.NewReaderSize(in, 64<<10)
		for {
			line, err := readLine(br)
			if len(bytes.TrimSpace(line)) > 0 {
				if reply := checkMessage(line); reply != nil {
					w.Write(reply)
				} else if _, werr := pw.Write(append(line, '\n')); werr != nil {
					return
				}
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return &mcp.IOTransport{Reader: pr, Writer: nopWriteCloser{w}}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its newline; a line over mcpMaxLine is skipped to its end
// and returned as a marker that checkMessage refuses.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) <= mcpMaxLine {
			line = append(line, chunk...)
		} else {
			line = []byte(`"` + errLineTooLong.Error() + `"`) // not a message: answered -32600
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
	return append(b, '\n')
}

// lockedWriter keeps the SDK's messages and ours whole: each is one Write.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
