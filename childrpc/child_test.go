//go:build unix

package childrpc

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parentSide is what the test's devrun stand-in records from a child.
type parentSide struct {
	hello     chan HelloParams
	ready     chan struct{}
	started   chan struct{}
	cancelled chan string
	calls     chan CallParams
}

func newParentSide(t *testing.T) (*parentSide, map[string]HandlerFunc) {
	p := &parentSide{
		hello:     make(chan HelloParams, 1),
		ready:     make(chan struct{}, 1),
		started:   make(chan struct{}, 1),
		cancelled: make(chan string, 1),
		calls:     make(chan CallParams, 1),
	}
	handlers := map[string]HandlerFunc{
		MethodHello: TypedHandler(func(ctx context.Context, h HelloParams) (struct{}, error) {
			p.hello <- h
			return struct{}{}, nil
		}),
		MethodReady: TypedHandler(func(ctx context.Context, _ struct{}) (struct{}, error) {
			p.ready <- struct{}{}
			return struct{}{}, nil
		}),
		"parent.add1": TypedHandler(func(ctx context.Context, a struct{ N int }) (int, error) { return a.N + 1, nil }),
		MethodCall: TypedHandler(func(ctx context.Context, c struct {
			Process, Method string
			Params          struct{ N int }
		}) (int, error) {
			p.calls <- CallParams{Process: c.Process, Method: c.Method}
			return c.Params.N * 2, nil
		}),
		"test.handlerStarted": TypedHandler(func(ctx context.Context, _ struct{}) (struct{}, error) {
			p.started <- struct{}{}
			return struct{}{}, nil
		}),
		"test.handlerCancelled": TypedHandler(func(ctx context.Context, reason []string) (struct{}, error) {
			p.cancelled <- reason[0]
			return struct{}{}, nil
		}),
		"test.error": TypedHandler(func(ctx context.Context, msg []string) (struct{}, error) {
			t.Errorf("child reported: %s", msg)
			return struct{}{}, nil
		}),
	}
	return p, handlers
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testWait):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// A real Go child, started the way devrun starts it, both answering and calling.
func TestChildProcess(t *testing.T) {
	parent, handlers := newParentSide(t)
	conn, cmd := startChild(t, "child", ConnOptions{Handlers: handlers, Logf: t.Logf}, nil)
	ctx := context.Background()

	h := receive(t, parent.hello, "devrun.hello")
	wantMethods := []string{"addViaParent", "double", "env", "exit", "grandchild", "listen", "panic", "viaProcess", "wait"}
	if h.Protocol != 1 || h.PID != cmd.Process.Pid || !reflect.DeepEqual(h.Methods, wantMethods) {
		t.Fatalf("hello: %+v (child pid %d)", h, cmd.Process.Pid)
	}
	receive(t, parent.ready, "devrun.ready")

	t.Run("parent calls child", func(t *testing.T) {
		var got int
		if err := conn.Call(ctx, "double", map[string]int{"N": 21}, &got); err != nil || got != 42 {
			t.Fatalf("double: %d, %v", got, err)
		}
	})
	t.Run("child calls parent inside a handler", func(t *testing.T) {
		var got int
		if err := conn.Call(ctx, "addViaParent", map[string]int{"N": 41}, &got); err != nil || got != 42 {
			t.Fatalf("addViaParent: %d, %v", got, err)
		}
	})
	t.Run("CallProcess goes through devrun.call", func(t *testing.T) {
		var got int
		if err := conn.Call(ctx, "viaProcess", map[string]int{"N": 5}, &got); err != nil || got != 10 {
			t.Fatalf("viaProcess: %d, %v", got, err)
		}
		if c := receive(t, parent.calls, "devrun.call"); c.Process != "other" || c.Method != "double" {
			t.Fatalf("devrun.call params: %+v", c)
		}
	})
	t.Run("environment cleared", func(t *testing.T) {
		var env map[string]string
		if err := conn.Call(ctx, "env", nil, &env); err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{}; !reflect.DeepEqual(env, want) {
			t.Fatalf("child environment after taking the channel: %v, want %v", env, want)
		}
	})
	t.Run("grandchild inherits nothing", func(t *testing.T) {
		var report string
		if err := conn.Call(ctx, "grandchild", nil, &report); err != nil {
			t.Fatal(err)
		}
		if report != "clean" {
			t.Fatalf("grandchild: %s", report)
		}
	})
	t.Run("panic recovered, child keeps serving", func(t *testing.T) {
		err := conn.Call(ctx, "panic", nil, nil)
		var rpcErr *Error
		if !errors.As(err, &rpcErr) || rpcErr.Code != CodeInternalError || !strings.Contains(string(rpcErr.Data), "runTestChild") {
			t.Fatalf("panic: %v", err)
		}
		var got int
		if err := conn.Call(ctx, "double", map[string]int{"N": 1}, &got); err != nil || got != 2 {
			t.Fatalf("after panic: %d, %v", got, err)
		}
	})
	t.Run("wrong params", func(t *testing.T) {
		err := conn.Call(ctx, "double", map[string]string{"N": "x"}, nil)
		var rpcErr *Error
		if !errors.As(err, &rpcErr) || rpcErr.Code != CodeInvalidParams {
			t.Fatalf("wrong params: %v", err)
		}
	})
	t.Run("cancel reaches the child's handler", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() { errc <- conn.Call(cctx, "wait", nil, nil) }()
		receive(t, parent.started, "the handler to start")
		// The child still serves while the handler waits.
		var got int
		if err := conn.Call(ctx, "double", map[string]int{"N": 3}, &got); err != nil || got != 6 {
			t.Fatalf("double while a handler waits: %d, %v", got, err)
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call: %v", err)
		}
		if reason := receive(t, parent.cancelled, "the handler's cancellation"); reason != context.Canceled.Error() {
			t.Fatalf("handler saw %q", reason)
		}
	})
	t.Run("child exits with a call pending", func(t *testing.T) {
		err := conn.Call(ctx, "exit", map[string]int{"Code": 3}, nil)
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("call to a child that exits: %v", err)
		}
		err = cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("child exit: %v", err)
		}
	})
}

// The child's Serve returns when devrun closes the channel, and the child exits 0.
func TestChildServeEndsWhenParentCloses(t *testing.T) {
	parent, handlers := newParentSide(t)
	conn, cmd := startChild(t, "child", ConnOptions{Handlers: handlers}, nil)
	receive(t, parent.hello, "devrun.hello")
	conn.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child after the channel closed: %v", err)
	}
}

// Not under devrun, the child-side API does nothing and says so.
func TestChildOutsideDevrun(t *testing.T) {
	defer swapRegistry()()
	ctx := context.Background()
	if Supervised() {
		t.Fatal("Supervised outside devrun")
	}
	if err := Notify(ctx, "x", []int{1}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if err := Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if _, err := Call[int](ctx, "devrun.status", nil); !errors.Is(err, ErrNotSupervised) {
		t.Fatalf("Call: %v", err)
	}
	if _, err := CallProcess[json.RawMessage](ctx, "web", "reload", nil); !errors.Is(err, ErrNotSupervised) {
		t.Fatalf("CallProcess: %v", err)
	}
	Handle("ping", func(ctx context.Context, _ struct{}) (string, error) { return "pong", nil })
	if err := Serve(ctx); err != nil {
		t.Fatalf("Serve outside devrun: %v", err)
	}
	if err := Serve(ctx); err == nil {
		t.Fatal("a second Serve must fail")
	}
}

func TestHandleMisuse(t *testing.T) {
	defer swapRegistry()()
	fn := func(ctx context.Context, _ struct{}) (struct{}, error) { return struct{}{}, nil }
	Handle("once", fn)
	mustPanic(t, "registered twice", func() { Handle("once", fn) })
	mustPanic(t, "registered twice", func() { HandleFunc("once", func(context.Context, json.RawMessage) (any, error) { return nil, nil }) })
	mustPanic(t, "reserved", func() { Handle("devrun.restart", fn) })
	mustPanic(t, "reserved", func() { Handle("rpc.x", fn) })
	mustPanic(t, "reserved", func() { Handle("$/cancelRequest", fn) })
	mustPanic(t, "empty", func() { Handle("", fn) })
	mustPanic(t, "nil function", func() { HandleFunc("nilfn", nil) })
	if err := Serve(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustPanic(t, "after Serve", func() { Handle("late", fn) })
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		v := recover()
		if s, _ := v.(string); !strings.Contains(s, want) {
			t.Fatalf("want a panic mentioning %q, got %v", want, v)
		}
	}()
	f()
}

// swapRegistry gives a test a fresh handler registry and returns the restore.
func swapRegistry() func() {
	saved := std
	std = newRegistry()
	return func() { std = saved }
}

// A broken channel is reported by Serve, not a crash, and the variables are gone all
// the same.
func TestChildBadChannel(t *testing.T) {
	for _, tc := range []struct{ fd, protocol, want string }{
		{"x", "1", `DEVRUN_RPC_FD="x" is not a file descriptor`},
		{"99", "1", "DEVRUN_RPC_FD=99 is not a socket"},
		{"0", "1", "DEVRUN_RPC_FD=0 is not a socket devrun gave: not a socket"}, // stdin: /dev/null here
		{"3", "2", "devrun speaks protocol 2"},
	} {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), testModeEnv+"=serve-report", EnvRPCFD+"="+tc.fd, EnvProtocol+"="+tc.protocol)
		cmd.Env = append(cmd.Env, quickRaceExit()...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s", tc.want, err, out)
		}
		if !strings.Contains(string(out), "supervised=false env-left=false serve: childrpc: "+tc.want) {
			t.Errorf("DEVRUN_RPC_FD=%s DEVRUN_PROTOCOL=%s: %s", tc.fd, tc.protocol, out)
		}
	}
}
