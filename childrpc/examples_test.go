//go:build unix

package childrpc

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

// The examples a new user runs first must answer devrun the way the Go library does.
// Each runs as devrun runs it (PORT=0 so that its HTTP server takes a free port).

func TestExampleNodeServer(t *testing.T) {
	node := lookPathOrSkip(t, "node")
	checkExampleChild(t, []string{node, filepath.Join("..", "examples", "node-child", "server.js")}, append(nodeEnv(3), "PORT=0"), true)
}

func TestExamplePythonApp(t *testing.T) {
	python := lookPathOrSkip(t, "python3")
	checkExampleChild(t, []string{python, filepath.Join("..", "examples", "python-child", "app.py")}, []string{"PORT=0"}, false)
}

func checkExampleChild(t *testing.T, argv, env []string, sendsReady bool) {
	parent, handlers := newParentSide(t)
	rec := newRecorder()
	opts := rec.options(handlers)
	conn, cmd := startProcess(t, argv, opts, nil, env...)
	ctx := context.Background()

	h := receive(t, parent.hello, "devrun.hello")
	wantReloads := []ReloadRule{{Files: []string{"templates/**"}, Method: "reload-templates"}}
	if h.Protocol != 1 || h.PID != cmd.Process.Pid || !reflect.DeepEqual(h.Methods, []string{"reload", "reload-templates", "stats"}) ||
		!reflect.DeepEqual(h.Reloads, wantReloads) {
		t.Fatalf("hello: %+v (pid %d)", h, cmd.Process.Pid)
	}
	if sendsReady {
		if ev := rec.waitEvent(t); ev != `"ready"` {
			t.Fatalf("event %s, want \"ready\"", ev)
		}
	}
	var stats struct {
		PID     int `json:"pid"`
		Reloads int `json:"reloads"`
	}
	if err := conn.Call(ctx, "stats", nil, &stats); err != nil || stats.PID != cmd.Process.Pid || stats.Reloads != 0 {
		t.Fatalf("stats: %+v, %v", stats, err)
	}
	var reloaded struct {
		Reloaded bool `json:"reloaded"`
		Reloads  int  `json:"reloads"`
	}
	if err := conn.Call(ctx, "reload", map[string]string{"reason": "test"}, &reloaded); err != nil || !reloaded.Reloaded || reloaded.Reloads != 1 {
		t.Fatalf("reload: %+v, %v", reloaded, err)
	}
	var rpcErr *Error
	if err := conn.Call(ctx, "nope", nil, nil); !errors.As(err, &rpcErr) || rpcErr.Code != CodeMethodNotFound {
		t.Fatalf("unknown method: %v", err)
	}
	if err := conn.Call(ctx, "stats", nil, &stats); err != nil || stats.Reloads != 1 {
		t.Fatalf("stats after reload: %+v, %v", stats, err)
	}
	conn.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the example did not exit cleanly when the channel closed: %v", err)
	}
	rec.noLogs(t)
}
