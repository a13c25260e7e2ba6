package childrpc

import (
	"bytes"
	"context"
	"encoding/json"
)

// TypedHandler adapts a function with typed params and result to a HandlerFunc, for
// ConnOptions.Handlers. The params are decoded into P: missing or null params give the
// zero P, params that do not decode give -32602 with the reason. The result is encoded
// from R. For a method without params or without a result, use struct{}:
//
//	childrpc.TypedHandler(func(ctx context.Context, _ struct{}) (string, error) { return "pong", nil })
func TypedHandler[P, R any](fn func(ctx context.Context, p P) (R, error)) HandlerFunc {
	return func(ctx context.Context, params json.RawMessage) (any, error) {
		var p P
		if len(params) > 0 && !bytes.Equal(params, nullID) {
			if err := json.Unmarshal(params, &p); err != nil {
				return nil, &Error{Code: CodeInvalidParams, Message: "invalid params: " + err.Error()}
			}
		}
		r, err := fn(ctx, p)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}
