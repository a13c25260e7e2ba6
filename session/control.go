package session

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/control"
)

// ServeControl opens the run's control socket, for devrun ls/send/restart/stop/logs/events.
// When another live devrun has the run's name, this one takes the next free one (app-2).
func (s *Session) ServeControl() (io.Closer, error) {
	srv, err := control.Listen(s.name)
	if err != nil {
		return nil, err
	}
	if srv.Name != s.name {
		s.rep.Printf(LevelWarn, "", "another devrun is called %q; this one is %q", s.name, srv.Name)
		s.name = srv.Name
	}
	srv.Serve(control.Options{
		Conn:  s.controlConn,
		Warnf: func(format string, args ...any) { s.rep.Printf(LevelWarn, "", format, args...) },
		Infof: func(format string, args ...any) { s.rep.Printf(LevelInfo, "", format, args...) },
	})
	return srv, nil
}

// controlConn is what a control client may ask for.
func (s *Session) controlConn(conn func() *childrpc.Conn) childrpc.ConnOptions {
	return childrpc.ConnOptions{
		Handlers: map[string]childrpc.HandlerFunc{
			childrpc.MethodInfo:    func(context.Context, json.RawMessage) (any, error) { return s.info(), nil },
			childrpc.MethodCall:    s.handleCall,
			childrpc.MethodRestart: s.handleRestart,
			childrpc.MethodStop: func(context.Context, json.RawMessage) (any, error) {
				s.rep.Printf(LevelInfo, "", "stop requested over the control socket")
				s.Stop()
				return "stopping", nil
			},
			childrpc.MethodLogs: func(ctx context.Context, params json.RawMessage) (any, error) {
				return s.logs.Serve(ctx, conn(), params)
			},
			childrpc.MethodEvents: func(_ context.Context, params json.RawMessage) (any, error) {
				return s.events.Serve(conn(), params)
			},
		},
		Fallback: func(ctx context.Context, method string, params json.RawMessage) (any, error) {
			if childrpc.IsNotification(ctx) {
				return nil, s.calls.Notify(ctx, method, params)
			}
			return s.calls.Call(ctx, "", "", method, params, childrpc.DefaultCallTimeout)
		},
		Logf: func(format string, args ...any) {
			s.rep.Printf(LevelDetail, "", "control client: "+format, args...)
		},
	}
}

// info describes this session for devrun ls and childrpc.Instances.
func (s *Session) info() childrpc.Info {
	return childrpc.Info{Name: s.name, PID: os.Getpid(), Dir: s.dir, Command: s.command, Started: s.started,
		Processes: s.calls.Status()}
}

func (s *Session) handleCall(ctx context.Context, params json.RawMessage) (any, error) {
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
	return s.calls.Call(ctx, req.Process, instance, req.Method, req.Params, timeout)
}

func (s *Session) handleRestart(_ context.Context, params json.RawMessage) (any, error) {
	var req childrpc.RestartParams
	if len(params) > 0 {
		if err := json.Unmarshal(params, &req); err != nil {
			return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: childrpc.MethodRestart + ": " + err.Error()}
		}
	}
	if err := s.calls.Restart(req.Process, "restart requested"); err != nil {
		return nil, err
	}
	return "restarting", nil
}
