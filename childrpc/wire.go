package childrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// Every message is built whole, ending in "\n", before it is written.

func encodeRequest(id uint64, method string, params any) ([]byte, error) {
	p, err := encodeParams(params)
	if err != nil {
		return nil, err
	}
	b := append(make([]byte, 0, 64+len(p)), `{"jsonrpc":"2.0","id":`...)
	b = strconv.AppendUint(b, id, 10)
	return appendCall(b, method, p), nil
}

func encodeNotification(method string, params any) ([]byte, error) {
	p, err := encodeParams(params)
	if err != nil {
		return nil, err
	}
	b := append(make([]byte, 0, 64+len(p)), `{"jsonrpc":"2.0"`...)
	return appendCall(b, method, p), nil
}

func appendCall(b []byte, method string, params []byte) []byte {
	m, _ := json.Marshal(method) // a string always encodes
	b = append(append(b, `,"method":`...), m...)
	if params != nil {
		b = append(append(b, `,"params":`...), params...)
	}
	return append(b, "}\n"...)
}

var errParams = errors.New("params must encode to a JSON object or array (JSON-RPC 2.0)")

// encodeParams encodes params, which JSON-RPC 2.0 wants structured; nil (or null) leaves
// the member out.
func encodeParams(params any) ([]byte, error) {
	if params == nil {
		return nil, nil
	}
	if raw, ok := params.(json.RawMessage); ok && len(raw) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(params) // also validates and compacts a json.RawMessage
	if err != nil {
		return nil, err
	}
	switch b[0] {
	case '{', '[':
		return b, nil
	case 'n':
		return nil, nil
	}
	return nil, errParams
}

// resultResponse builds a success answer; id is the request's raw id, echoed as is. It
// returns nil when the result does not encode.
func resultResponse(id json.RawMessage, result any) []byte {
	if raw, ok := result.(json.RawMessage); ok && len(raw) == 0 {
		result = nil // an empty RawMessage means "no value": send null, never nothing
	}
	r, err := json.Marshal(result)
	if err != nil {
		return nil
	}
	b := append(make([]byte, 0, 40+len(id)+len(r)), `{"jsonrpc":"2.0","id":`...)
	b = append(append(append(b, id...), `,"result":`...), r...)
	return append(b, "}\n"...)
}

func errorResponse(id json.RawMessage, code int, message string) []byte {
	return errorObject(id, &Error{Code: code, Message: message})
}

// errorObject builds an error answer; a nil id is sent as null (the request's id could
// not be read).
func errorObject(id json.RawMessage, e *Error) []byte {
	if id == nil {
		id = nullID
	}
	obj, err := json.Marshal(e)
	if err != nil { // only Data can fail (raw JSON from a handler): send the error without it
		obj, _ = json.Marshal(&Error{Code: e.Code, Message: e.Message})
	}
	b := append(make([]byte, 0, 40+len(id)+len(obj)), `{"jsonrpc":"2.0","id":`...)
	b = append(append(append(b, id...), `,"error":`...), obj...)
	return append(b, "}\n"...)
}

// joinBatch makes one line of a batch's answers.
func joinBatch(answers [][]byte) []byte {
	b := []byte{'['}
	for i, a := range answers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, bytes.TrimSuffix(a, []byte("\n"))...)
	}
	return append(b, "]\n"...)
}

// startKind is what the start of an oversize line says it is.
type startKind int

const (
	startUnknown  startKind = iota
	startRequest            // a method member came first
	startResponse           // a result or error member came first
)

// scanStart reads the members at the start of an object whose line was cut short: its
// id and its kind, when they come before the cut.
func scanStart(start []byte) (id json.RawMessage, kind startKind) {
	dec := json.NewDecoder(bytes.NewReader(start))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, startUnknown
	}
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			break
		}
		var value json.RawMessage
		if dec.Decode(&value) != nil {
			break // the cut, inside this value
		}
		switch key {
		case "id":
			id = value
		case "method":
			kind = startRequest
		case "result", "error":
			kind = startResponse
		}
		if id != nil && kind != startUnknown {
			break
		}
	}
	return id, kind
}
