package childrpc

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// wireMsg is every kind of incoming line, split into its top-level members. The
// members that decide what a line is stay raw, so that a wrong type is a protocol
// error we can name, and ids are echoed back byte for byte. The slices point into the
// line being read: whatever outlives the line is copied out.
type wireMsg struct {
	JSONRPC, ID, Method, Params, Result, Error, Cmd []byte
}

// parseObject splits a line holding one valid JSON object into msg, without
// reflection or copies: this is the hot path of every message. The caller has
// checked the line with json.Valid, so the scan can trust its syntax. Keys match
// exactly (JSON-RPC's are lower case); a repeated key keeps the last value.
func parseObject(line []byte, msg *wireMsg) {
	*msg = wireMsg{}
	i := skipSpace(line, 1) // past '{'
	for i < len(line) && line[i] != '}' {
		keyEnd := skipValue(line, i)
		key := line[i+1 : keyEnd-1]
		i = skipSpace(line, keyEnd)
		i = skipSpace(line, i+1) // past ':'
		valueEnd := skipValue(line, i)
		value := line[i:valueEnd]
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			if json.Unmarshal(line[keyEnd-len(key)-2:keyEnd], &k) == nil {
				key = []byte(k)
			}
		}
		switch string(key) {
		case "jsonrpc":
			msg.JSONRPC = value
		case "id":
			msg.ID = value
		case "method":
			msg.Method = value
		case "params":
			msg.Params = value
		case "result":
			msg.Result = value
		case "error":
			msg.Error = value
		case "cmd":
			msg.Cmd = value
		}
		i = skipSpace(line, valueEnd)
		if i < len(line) && line[i] == ',' {
			i = skipSpace(line, i+1)
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// skipString returns the index after the closing quote of the string at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// maxKeptBuffer bounds the buffers kept for reuse, so one 5 MB message does not pin
// 5 MB for the life of the connection.
const maxKeptBuffer = 64 << 10

// encoder builds one outgoing message in a pooled buffer. Encoding goes through a
// json.Encoder writing into that buffer, which avoids json.Marshal's result copy.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoderPool = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	// Node's JSON.parse and every other reader take <, > and & as they are.
	e.enc.SetEscapeHTML(false)
	return e
}}

func getEncoder() *encoder {
	e := encoderPool.Get().(*encoder)
	e.buf.Reset()
	return e
}

func putEncoder(e *encoder) {
	if e.buf.Cap() > maxKeptBuffer {
		return
	}
	encoderPool.Put(e)
}

// value appends v as compact JSON. On error nothing is appended: the message under
// construction stays valid JSON so far, and the caller drops it.
func (e *encoder) value(v any) error {
	if raw, ok := v.(json.RawMessage); ok && len(raw) == 0 {
		v = nil // an empty RawMessage means "no value": send null, never nothing
	}
	n := e.buf.Len()
	if err := e.enc.Encode(v); err != nil {
		e.buf.Truncate(n)
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1) // Encode's newline: the caller ends the message
	return nil
}

// str appends s as a JSON string; method names are almost always plain ASCII,
// which is copied as is instead of going through reflection.
func (e *encoder) str(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			_ = e.value(s) // a string always encodes
			return
		}
	}
	e.buf.WriteByte('"')
	e.buf.WriteString(s)
	e.buf.WriteByte('"')
}

func (e *encoder) request(id uint64, method string, params any) error {
	e.buf.WriteString(`{"jsonrpc":"2.0","id":`)
	e.buf.Write(strconv.AppendUint(e.buf.AvailableBuffer(), id, 10))
	e.buf.WriteString(`,"method":`)
	e.str(method)
	return e.params(params)
}

func (e *encoder) notification(method string, params any) error {
	e.buf.WriteString(`{"jsonrpc":"2.0","method":`)
	e.str(method)
	return e.params(params)
}

// params ends a request or notification; nil params leave the member out, which
// JSON-RPC allows and every handler here reads as the zero value.
func (e *encoder) params(params any) error {
	if params != nil {
		e.buf.WriteString(`,"params":`)
		if err := e.value(params); err != nil {
			return err
		}
	}
	e.buf.WriteString("}\n")
	return nil
}

// result builds a success response; id is the raw id of the request, echoed as is.
func (e *encoder) result(id json.RawMessage, result any) error {
	e.buf.WriteString(`{"jsonrpc":"2.0","id":`)
	e.buf.Write(id)
	e.buf.WriteString(`,"result":`)
	if err := e.value(result); err != nil {
		return err
	}
	e.buf.WriteString("}\n")
	return nil
}

// errorResponse builds an error response; a nil id is sent as null (the request's id
// could not be read).
func (e *encoder) errorResponse(id json.RawMessage, rpcErr *Error) {
	if len(id) == 0 {
		id = nullID
	}
	e.buf.WriteString(`{"jsonrpc":"2.0","id":`)
	e.buf.Write(id)
	e.buf.WriteString(`,"error":`)
	if err := e.value(rpcErr); err != nil {
		// Only Data can fail (it is raw JSON from a handler): send the error without it.
		_ = e.value(&Error{Code: rpcErr.Code, Message: rpcErr.Message})
	}
	e.buf.WriteString("}\n")
}

var nullID = json.RawMessage("null")
