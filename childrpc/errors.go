package childrpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Error is a JSON-RPC error object. A Call whose peer answered with an error returns
// it as a *Error (use errors.As); a handler that returns a *Error has it sent as is.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string {
	return "childrpc: " + e.Message + " (code " + strconv.Itoa(e.Code) + ")"
}

// RPCCode returns e.Code, so that *Error also satisfies the interface handlers'
// errors use to choose their code.
func (e *Error) RPCCode() int { return e.Code }

// ErrClosed is wrapped by the error of a Call or Notify on a closed Conn, and of every
// call still pending when the peer goes away (they fail at once, not at their timeout).
var ErrClosed = errors.New("childrpc: connection closed")

// ErrNotSupervised is returned by the child-side Call and CallProcess when the program
// was not started by devrun.
var ErrNotSupervised = errors.New("childrpc: not running under devrun")

// coder is how a handler's error chooses its JSON-RPC code.
type coder interface{ RPCCode() int }

// errorReply turns a handler's error into the error object sent to the caller.
func errorReply(err error) *Error {
	var rpcErr *Error
	if errors.As(err, &rpcErr) {
		return rpcErr
	}
	code := CodeHandlerError
	var c coder
	if errors.As(err, &c) {
		code = c.RPCCode()
	}
	return &Error{Code: code, Message: err.Error()}
}

// callError wraps a cause with the method it interrupted, keeping errors.Is working.
func callError(method string, cause error) error {
	return fmt.Errorf("childrpc: call %q: %w", method, cause)
}
