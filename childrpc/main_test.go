//go:build unix

package childrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testModeEnv makes the test binary play a child instead of running the tests.
const testModeEnv = "CHILDRPC_TEST_MODE"

func TestMain(m *testing.M) {
	switch os.Getenv(testModeEnv) {
	case "child":
		os.Exit(runTestChild())
	case "grandchild":
		os.Exit(runTestGrandchild())
	case "echo-child":
		os.Exit(runEchoChild())
	case "bare-echo-direct", "bare-echo-handoff":
		os.Exit(runBareEcho(os.Getenv(testModeEnv) == "bare-echo-handoff"))
	case "flood-target":
		// Serve's Conn, with a write timeout short enough for a test.
		rwc, err := openFD(3)
		if err != nil {
			panic(err)
		}
		c := NewConn(rwc, ConnOptions{WriteTimeout: floodWriteTimeout})
		<-c.Done()
		fmt.Printf("peak-rss-kb %d\n", peakRSSKB())
		os.Exit(0)
	case "serve-report":
		err := Serve(context.Background())
		_, left := os.LookupEnv(EnvRPCFD)
		fmt.Printf("supervised=%v env-left=%v serve: %v\n", Supervised(), left, err)
		os.Exit(0)
	}
	// The tests play devrun themselves: what a devrun running `go test` set must not
	// leak into them.
	for _, k := range []string{EnvRPCFD, EnvProtocol, EnvProcess, EnvNodeFD, EnvNodeMode,
		"LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PID"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// runTestChild is a Go program using the child-side API, as a user would write it.
func runTestChild() int {
	channelID := fdIdentity(os.Getenv(EnvRPCFD))
	Handle("double", func(ctx context.Context, p struct{ N int }) (int, error) { return 2 * p.N, nil })
	Handle("env", func(ctx context.Context, _ struct{}) (map[string]string, error) {
		env := map[string]string{}
		for _, k := range []string{EnvRPCFD, EnvProtocol, EnvProcess, EnvNodeFD, EnvNodeMode, "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PID"} {
			if v, ok := os.LookupEnv(k); ok {
				env[k] = v
			}
		}
		return env, nil
	})
	Handle("grandchild", func(ctx context.Context, _ struct{}) (string, error) {
		cmd := exec.CommandContext(ctx, os.Args[0])
		cmd.Env = append(os.Environ(), testModeEnv+"=grandchild", "CHILDRPC_TEST_CHANNEL_ID="+channelID)
		cmd.Env = append(cmd.Env, quickRaceExit()...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("grandchild: %v: %s", err, out)
		}
		return strings.TrimSpace(string(out)), nil
	})
	Handle("addViaParent", func(ctx context.Context, p struct{ N int }) (int, error) {
		return Call[int](ctx, "parent.add1", p)
	})
	Handle("viaProcess", func(ctx context.Context, p struct{ N int }) (int, error) {
		return CallProcess[int](ctx, "other", "double", p)
	})
	Handle("wait", func(ctx context.Context, _ struct{}) (struct{}, error) {
		Notify(ctx, "test.handlerStarted", nil)
		<-ctx.Done()
		Notify(context.Background(), "test.handlerCancelled", []string{ctx.Err().Error()})
		return struct{}{}, ctx.Err()
	})
	Handle("exit", func(ctx context.Context, p struct{ Code int }) (struct{}, error) {
		os.Exit(p.Code)
		return struct{}{}, nil
	})
	Handle("panic", func(ctx context.Context, _ struct{}) (struct{}, error) { panic("child handler panics") })
	Handle("listen", func(ctx context.Context, p struct{ Spec string }) (string, error) {
		l, err := Listener(p.Spec)
		if err != nil {
			return "", err
		}
		go func() {
			defer l.Close()
			c, err := l.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "served by "+strconv.Itoa(os.Getpid()))
			c.Close()
		}()
		return l.Addr().String(), nil
	})
	ctx := context.Background()
	if !Supervised() {
		fmt.Fprintln(os.Stderr, "child: not supervised")
		return 2
	}
	go func() {
		// Before Serve has run, requests wait; Ready must still get through.
		if err := Ready(ctx); err != nil {
			Notify(ctx, "test.error", []string{"Ready: " + err.Error()})
		}
	}()
	err := Serve(ctx)
	if errors.Is(err, ErrClosed) {
		return 0 // devrun went away: what a real program does is up to it
	}
	fmt.Fprintln(os.Stderr, "child: Serve:", err)
	return 1
}

// fdIdentity names the open file behind an fd as "dev:ino", to recognise it in
// another process whatever fd number it has there.
func fdIdentity(fdText string) string {
	fd, err := strconv.Atoi(fdText)
	if err != nil {
		return ""
	}
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil {
		return ""
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

// runTestGrandchild reports whether it inherited the channel (an open fd or the
// environment variables).
func runTestGrandchild() int {
	want := os.Getenv("CHILDRPC_TEST_CHANNEL_ID")
	var found []string
	for fd := 0; fd < 1024; fd++ {
		if id := fdIdentity(strconv.Itoa(fd)); id != "" && id == want {
			found = append(found, "fd "+strconv.Itoa(fd))
		}
	}
	for _, k := range []string{EnvRPCFD, EnvProtocol, EnvNodeFD, EnvNodeMode} {
		if _, ok := os.LookupEnv(k); ok {
			found = append(found, k)
		}
	}
	if want == "" {
		found = append(found, "no channel id given")
	}
	if len(found) == 0 {
		fmt.Println("clean")
	} else {
		fmt.Println("inherited:", strings.Join(found, ", "))
	}
	return 0
}

// runEchoChild is the smallest Go child: the far end of BenchmarkRoundTripProcess.
func runEchoChild() int {
	HandleFunc("echo", func(ctx context.Context, p json.RawMessage) (any, error) { return p, nil })
	if err := Serve(context.Background()); err != nil && !errors.Is(err, ErrClosed) {
		return 1
	}
	return 0
}

// startChild runs the test binary as a Go child in the given mode (see TestMain).
func startChild(t testing.TB, mode string, opts ConnOptions, listeners []*os.File, env ...string) (*Conn, *exec.Cmd) {
	t.Helper()
	return startProcess(t, []string{os.Args[0]}, opts, listeners, append(childEnv(mode), env...)...)
}

// childEnv is what makes the test binary a child in the given mode.
func childEnv(mode string) []string {
	return append([]string{testModeEnv + "=" + mode}, quickRaceExit()...)
}

// startProcess runs argv the way devrun runs a child: the listen sockets as fds 3...,
// then the channel's end, with the devrun variables set, and returns devrun's end.
// The process is waited for when the test ends.
func startProcess(t testing.TB, argv []string, opts ConnOptions, listeners []*os.File, env ...string) (*Conn, *exec.Cmd) {
	t.Helper()
	parentEnd, cmd := spawn(t, argv, listeners, env...)
	conn := NewConn(parentEnd, opts)
	t.Cleanup(func() { conn.Close() }) // before spawn's Wait: the child ends with its channel
	return conn, cmd
}

// spawn is startProcess returning the channel's end as it is, for the caller to wrap.
func spawn(t testing.TB, argv []string, listeners []*os.File, env ...string) (net.Conn, *exec.Cmd) {
	t.Helper()
	parentEnd, childEnd := socketPair(t)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("%s=%d", EnvRPCFD, 3+len(listeners)), EnvProtocol+"="+strconv.Itoa(Protocol), EnvProcess+"=test")
	cmd.Env = append(cmd.Env, env...)
	cmd.ExtraFiles = append(append([]*os.File(nil), listeners...), childEnd)
	cmd.Stdout = &testWriter{t: t, prefix: "child stdout"}
	cmd.Stderr = &testWriter{t: t, prefix: "child stderr"}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", argv, err)
	}
	childEnd.Close()
	t.Cleanup(func() { cmd.Wait() })
	return fileConn(t, parentEnd), cmd
}

// quickRaceExit spares each child the race detector's one-second pause at exit.
func quickRaceExit() []string {
	if _, set := os.LookupEnv("GORACE"); set {
		return nil
	}
	return []string{"GORACE=atexit_sleep_ms=0"}
}

// testWriter sends a child's output to the test log.
type testWriter struct {
	t      testing.TB
	prefix string
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s: %s", w.prefix, bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// peakRSSKB is the process's peak resident set (VmHWM), in KiB; 0 where /proc is missing.
func peakRSSKB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscan(rest, &kb)
			return kb
		}
	}
	return 0
}

// floodWriteTimeout is the flood child's ConnOptions.WriteTimeout (the default is 10 s).
const floodWriteTimeout = time.Second
