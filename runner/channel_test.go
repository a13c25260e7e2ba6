//go:build unix

package runner

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

func TestChildAsksForARestart(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "asked")
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("rpc", envOnce+"="+marker)})
	first := h.waitKind(Started).PID
	if r := h.waitKind(Restarting); r.String() != "restarting: requested by the child: once" {
		t.Fatalf("restarting says %q", r)
	}
	if f := h.waitLine("status "); f[1] != StateRunning || atoi(t, f[2]) != first {
		t.Fatalf("devrun.status answered %v", f)
	}
	h.waitPID(Exited, first)
	second := h.waitKind(Started).PID
	if second == first {
		t.Fatal("same pid")
	}
}

func TestCallTheChild(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("rpc")})
	hello := h.waitKind(Hello)
	if !slices.Equal(hello.Methods, []string{"echo", "exit", "leave-holder"}) || hello.String() != "methods: echo, exit, leave-holder" {
		t.Fatalf("hello %+v (%q)", hello.Methods, hello)
	}
	if m := h.r.Status().Methods; !slices.Equal(m, hello.Methods) {
		t.Fatalf("status methods %v", m)
	}
	ctx := context.Background()
	got, err := h.r.Call(ctx, "echo", json.RawMessage(`{"x":1}`))
	if err != nil || string(got) != `{"x":1}` {
		t.Fatalf("echo: %s, %v", got, err)
	}
	_, err = h.r.Call(ctx, "nope", nil)
	var rpcErr *childrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != childrpc.CodeMethodNotFound {
		t.Fatalf("unknown method: %v", err)
	}
}

func TestCallWithoutAChild(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("exit", "RUNNER_TEST_CODE=0")})
	h.waitKind(Waiting)
	_, err := h.r.Call(context.Background(), "echo", nil)
	var rpcErr *childrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != childrpc.CodeNoChild || rpcErr.Message != "no child is running" {
		t.Fatalf("Call with no child: %v", err)
	}
}

// A call pending when the child exits fails at once, even though a grandchild that ignores
// SIGTERM (with an hour of grace) still holds the other end of the channel.
func TestPendingCallFailsWhenTheChildExits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Command: selfCommand(t), Env: modeEnv("rpc"), Grace: time.Hour})
	h.waitKind(Hello)
	ctx, cancel := context.WithTimeout(context.Background(), failAfter)
	defer cancel()
	_, err := h.r.Call(ctx, "leave-holder", nil)
	var rpcErr *childrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != childrpc.CodeNoChild {
		t.Fatalf("pending call: %v", err)
	}
	holder := atoi(t, h.waitLine("holder ")[1])
	requireAlive(t, holder) // the group is not gone: only the runner closing its end ended the call
	h.r.Kill()
	h.stop()
	requireGone(t, false, holder)
}
