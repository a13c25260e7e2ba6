package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/runner"
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
	return ss.call(ctx, req.Process, instance, req.Method, req.Params, timeout)
}

// call forwards a request to a process's child: one instance chosen round robin among the
// running ones, a given instance, or "all" of them. Past timeout it answers CodeTimeout, so
// that a caller without a timeout of its own never waits for ever.
func (ss *session) call(ctx context.Context, process, instance, method string, params json.RawMessage, timeout time.Duration) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	result, err := ss.forward(ctx, process, instance, method, params)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, &childrpc.Error{Code: childrpc.CodeTimeout, Message: fmt.Sprintf("no answer within %s", timeout)}
	}
	return result, err
}

func (ss *session) forward(ctx context.Context, process, instance, method string, params json.RawMessage) (any, error) {
	p := ss.procs[0]
	if process != "" {
		if p = ss.process(process); p == nil {
			return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams,
				Message: fmt.Sprintf("no process %q (have: %s)", process, strings.Join(ss.processNames(), ", "))}
		}
	}
	switch instance {
	case "":
		return p.pickRunner().Call(ctx, method, params)
	case "all":
		replies := make([]json.RawMessage, len(p.runners))
		for i, r := range p.runners {
			res, err := r.Call(ctx, method, params)
			if err != nil {
				return nil, fmt.Errorf("%s.%d: %w", p.name, i, err)
			}
			replies[i] = res
		}
		return replies, nil
	default:
		var i int
		if _, err := fmt.Sscan(instance, &i); err != nil || i < 0 || i >= len(p.runners) {
			return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams,
				Message: fmt.Sprintf("process %q has instances 0 to %d, not %s", p.name, len(p.runners)-1, instance)}
		}
		return p.runners[i].Call(ctx, method, params)
	}
}

// pickRunner takes turns among the instances whose child is running.
func (p *process) pickRunner() *runner.Runner {
	n := len(p.runners)
	start := int(p.nextCall.Add(1))
	for i := 0; i < n; i++ {
		r := p.runners[(start+i)%n]
		if r.Status().State == "running" {
			return r
		}
	}
	return p.runners[start%n]
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
