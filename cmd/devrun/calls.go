package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// info describes this session for devrun ls and childrpc.Instances.
func (ss *session) info() childrpc.Info {
	in := childrpc.Info{Name: ss.name, PID: os.Getpid(), Dir: ss.dir, Command: ss.command, Started: ss.started}
	for _, p := range ss.procs {
		for i, r := range p.runners {
			st := r.Status()
			in.Processes = append(in.Processes, childrpc.ProcessInfo{
				Name: p.name, Instance: i, PID: st.PID, State: st.State, Restarts: st.Restarts,
				Started: st.Started, Methods: st.Methods, Listen: p.listen, Channel: st.Channel,
			})
		}
	}
	return in
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
	if req.Process == "" {
		for _, p := range ss.procs {
			p.restart("restart requested")
		}
		return "restarting", nil
	}
	p := ss.process(req.Process)
	if p == nil {
		return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams,
			Message: fmt.Sprintf("no process %q (have: %s)", req.Process, strings.Join(ss.processNames(), ", "))}
	}
	p.restart("restart requested")
	return "restarting", nil
}
