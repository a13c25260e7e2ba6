package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// info describes this session for devrun ls and childrpc.Instances.
func (ss *session) info() childrpc.Info {
	return childrpc.Info{Name: ss.name, PID: os.Getpid(), Dir: ss.dir, Command: ss.command, Started: ss.started,
		Processes: ss.calls.Status()}
}

func (ss *session) handleCall(ctx context.Context, params json.RawMessage) (any, error) {
	var req childrpc.CallParams
	if err := json.Unmarshal(params, &req); err != nil || req.Method == "" {
		return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: childrpc.MethodCall + ` wants {"process":"name","method":"m","params":...}`}
	}
	var instance string
	if len(req.Instance) > 0 {
		instance = strings.Trim(string(req.Instance), `"`)
	}
	timeout := childrpc.DefaultCallTimeout
	if req.TimeoutMS > 0 {
		timeout = time.Duration(req.TimeoutMS) * time.Millisecond
	}
	return ss.calls.Call(ctx, req.Process, instance, req.Method, req.Params, timeout)
}

func (ss *session) handleRestart(_ context.Context, params json.RawMessage) (any, error) {
	var req childrpc.RestartParams
	if len(params) > 0 {
		if err := json.Unmarshal(params, &req); err != nil {
			return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: childrpc.MethodRestart + ": " + err.Error()}
		}
	}
	if err := ss.calls.Restart(req.Process, "restart requested"); err != nil {
		return nil, err
	}
	return "restarting", nil
}
