//go:build unix

package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// The test binary is also every child the tests supervise: TestMain runs the mode named by
// envMode instead of the tests.
const (
	envMode    = "RUNNER_TEST_MODE"
	envLog     = "RUNNER_TEST_LOG"     // file the children append their life events to
	envOnce    = "RUNNER_TEST_ONCE"    // rpc mode: marker file, first generation asks for a restart
	envBuild   = "RUNNER_TEST_BUILD"   // build mode: file holding ok, fail or block
	envFIFODir = "RUNNER_TEST_FIFOS"   // overlap mode: where each child makes its control FIFO
	envSubMode = "RUNNER_TEST_SUBMODE" // supervisor mode: the mode of its child
)

func TestMain(m *testing.M) {
	RunShimIfRequested()
	if mode := os.Getenv(envMode); mode != "" {
		os.Exit(runChildMode(mode))
	}
	os.Exit(m.Run())
}

func runChildMode(mode string) int {
	pid := os.Getpid()
	switch mode {
	case "serve":
		fmt.Printf("start %d\n", pid)
		select {}
	case "sleeper":
		select {}
	case "exit":
		code, _ := strconv.Atoi(os.Getenv("RUNNER_TEST_CODE"))
		fmt.Printf("start %d\n", pid)
		return code
	case "winch":
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		fmt.Printf("ready %d\n", pid)
		for range winch {
			fmt.Printf("winch %d\n", pid)
		}
	case "ignoreterm":
		signal.Ignore(syscall.SIGTERM)
		fmt.Printf("ready %d\n", pid)
		select {}
	case "family":
		return familyMode(pid)
	case "grandchild":
		return grandchildMode(pid)
	case "rpc":
		return rpcMode(pid)
	case "listen":
		return listenMode(pid)
	case "overlap":
		return overlapMode(pid)
	case "build":
		return buildMode(pid)
	case "stdin":
		fmt.Printf("start %d\n", pid)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Printf("%d got %s\n", pid, sc.Text())
		}
		fmt.Printf("%d eof\n", pid)
		select {}
	case "env":
		for _, k := range []string{envProcess, envProtocol, envRPCFD, envInstance, envNodeFD, envNodeMode, "RUNNER_TEST_EXTRA", envShim} {
			v, ok := os.LookupEnv(k)
			fmt.Printf("env %s=%s %v\n", k, v, ok)
		}
		fmt.Printf("env done\n")
		select {}
	case "supervisor":
		return supervisorMode()
	case "changed":
		v, ok := os.LookupEnv(childrpc.EnvChanged)
		fmt.Printf("changed %d %v %q\n", pid, ok, v)
		select {}
	}
	fmt.Fprintf(os.Stderr, "unknown %s %q\n", envMode, mode)
	return 2
}

func logLine(format string, args ...any) {
	f, err := os.OpenFile(os.Getenv(envLog), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	fmt.Fprintf(f, format+"\n", args...)
	f.Close()
}

// familyMode starts a grandchild in its group and waits; on SIGTERM it says so and exits,
// leaving the grandchild behind in the group.
func familyMode(pid int) int {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	ready, readyW, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envMode+"=grandchild")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{readyW}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	readyW.Close()
	io.ReadAll(ready) // the grandchild handles SIGTERM from now on
	logLine("start %d", pid)
	fmt.Printf("pids %d %d\n", pid, cmd.Process.Pid)
	<-term
	logLine("exit %d", pid)
	return 0
}

// grandchildMode is slow to die: if the runner started the next generation as soon as the
// leader exited, that start would come before this line in the log.
func grandchildMode(pid int) int {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	os.NewFile(3, "ready").Close()
	<-term
	time.Sleep(300 * time.Millisecond)
	logLine("grandchild-exit %d", pid)
	return 0
}

func rpcMode(pid int) int {
	childrpc.Handle("echo", func(ctx context.Context, p map[string]any) (map[string]any, error) {
		return p, nil
	})
	childrpc.Handle("exit", func(ctx context.Context, _ struct{}) (struct{}, error) {
		os.Exit(4)
		return struct{}{}, nil
	})
	// leave-holder: a grandchild that ignores SIGTERM keeps the channel open, then the
	// child exits without answering: only the runner closing its end can end the call.
	var holderFD int
	if fd, err := strconv.Atoi(os.Getenv(envRPCFD)); err == nil {
		holderFD, _ = syscall.Dup(fd)
	}
	childrpc.Handle("leave-holder", func(ctx context.Context, _ struct{}) (struct{}, error) {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), envMode+"=ignoreterm")
		cmd.ExtraFiles = []*os.File{os.NewFile(uintptr(holderFD), "holder")}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return struct{}{}, err
		}
		if err := cmd.Start(); err != nil {
			return struct{}{}, err
		}
		bufio.NewReader(out).ReadString('\n') // "ready": it ignores SIGTERM from now on
		fmt.Printf("holder %d\n", cmd.Process.Pid)
		os.Exit(4)
		return struct{}{}, nil
	})
	ctx := context.Background()
	go childrpc.Serve(ctx)
	fmt.Printf("start %d\n", pid)
	if marker := os.Getenv(envOnce); marker != "" {
		if _, err := os.Stat(marker); err != nil {
			os.WriteFile(marker, nil, 0o644)
			st, err := childrpc.Call[Status](ctx, "devrun.status", nil)
			fmt.Printf("status %s %d %v\n", st.State, st.PID, err)
			if _, err := childrpc.Call[json.RawMessage](ctx, "devrun.restart", map[string]string{"reason": "once"}); err != nil {
				fmt.Printf("restart error %v\n", err)
			}
		}
	}
	select {}
}

func listenMode(pid int) int {
	fmt.Printf("listen pid=%d LISTEN_PID=%s LISTEN_FDS=%s LISTEN_FDNAMES=%s DEVRUN_RPC_FD=%s shim=%v\n",
		pid, os.Getenv(envListenPID), os.Getenv(envListenFDs), os.Getenv(envListenNames), os.Getenv(envRPCFD),
		os.Getenv(envShim) != "")
	l, err := net.FileListener(os.NewFile(3, "listener"))
	if err != nil {
		fmt.Printf("listener error %v\n", err)
		select {}
	}
	for {
		c, err := l.Accept()
		if err != nil {
			select {}
		}
		fmt.Fprintf(c, "%d\n", pid)
		c.Close()
	}
}

// overlapMode waits for the test's word on a FIFO of its own: how to say it is ready, or crash.
func overlapMode(pid int) int {
	fifo := filepath.Join(os.Getenv(envFIFODir), strconv.Itoa(pid))
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("start %d\n", pid)
	word, err := os.ReadFile(fifo) // blocks until the test opens, writes and closes it
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch strings.TrimSpace(string(word)) {
	case "notify":
		c, err := net.Dial("unixgram", os.Getenv(envNotifySocket))
		if err == nil {
			_, err = c.Write([]byte("STATUS=up\nREADY=1\n"))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	case "channel":
		fd, _ := strconv.Atoi(os.Getenv(envRPCFD))
		os.NewFile(uintptr(fd), "channel").Write([]byte("\"ready\"\n"))
	case "rpc":
		if err := childrpc.Ready(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	case "crash":
		return 5
	}
	select {}
}

func buildMode(pid int) int {
	what, _ := os.ReadFile(os.Getenv(envBuild))
	switch strings.TrimSpace(string(what)) {
	case "ok":
		fmt.Printf("build ok %d\n", pid)
		return 0
	case "block":
		fmt.Printf("build blocked %d\n", pid)
		select {}
	}
	fmt.Fprintf(os.Stderr, "build error %d\n", pid)
	return 1
}

// supervisorMode is a small devrun: one Runner whose child's output is ours.
func supervisorMode() int {
	exe, _ := os.Executable()
	r, err := New(Config{
		Command: []string{exe},
		Env:     []string{envMode + "=" + os.Getenv(envSubMode)},
		Stdout:  os.Stdout, Stderr: os.Stderr,
		OnEvent: func(e Event) {
			if e.Kind == Warning {
				fmt.Fprintln(os.Stderr, e)
			}
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r.Run(context.Background())
	return 0
}
