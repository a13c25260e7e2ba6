package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// rpcChild registers commands for the control tests and serves them until SIGTERM.
func rpcChild(report func(string)) int {
	childrpc.Handle("ping", func(ctx context.Context, _ struct{}) (string, error) { return "pong", nil })
	childrpc.Handle("echo", func(ctx context.Context, p map[string]any) (map[string]any, error) { return p, nil })
	childrpc.Handle("fail", func(ctx context.Context, _ struct{}) (struct{}, error) {
		return struct{}{}, errors.New("it failed on purpose")
	})
	childrpc.Handle("slow", func(ctx context.Context, _ struct{}) (struct{}, error) {
		<-ctx.Done()
		report("slow cancelled")
		return struct{}{}, ctx.Err()
	})
	childrpc.Handle("say", func(ctx context.Context, p struct{ Text string }) (struct{}, error) {
		fmt.Println(p.Text)
		return struct{}{}, nil
	})
	ctx, stop := context.WithCancel(context.Background())
	go func() {
		childrpc.Serve(ctx)
	}()
	sigs := make(chan os.Signal, 1)
	signalNotify(sigs)
	<-sigs
	stop()
	report(fmt.Sprintf("stop %d", os.Getpid()))
	return 0
}

// client runs `devrun ARGS` (a client subcommand) against the test's devruns.
func client(t testing.TB, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "NO_COLOR=1", "XDG_RUNTIME_DIR="+runtimeDir(t))
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("devrun %v: %v", args, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// startRPCDevrun starts a devrun called name whose child serves rpcChild's commands, and
// waits until the child has said hello (so its methods are known).
func startRPCDevrun(t testing.TB, name string, rep *reporter) (*devrunProc, string) {
	t.Helper()
	dir := t.TempDir()
	d := startDevrun(t, dir, rep, append([]string{"--name", name, "-v", "-w", dir}, childArgs("rpc")...)...)
	pid := pidOf(rep.next(t, "start"))
	d.stderr.WaitFor(t, "methods: echo, fail, ping, say, slow")
	return d, pid
}

func TestControlCommands(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	alpha, alphaPID := startRPCDevrun(t, "alpha", rep)
	beta, _ := startRPCDevrun(t, "beta", rep)

	out, _, code := client(t, "", "ls", "--json")
	var list []childrpc.Info
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 {
		t.Fatalf("ls --json: code %d, %v:\n%s", code, err, out)
	}
	if len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "beta" || list[0].Processes[0].PID != atoi(t, alphaPID) ||
		list[0].Processes[0].State != "running" || !strings.Contains(strings.Join(list[0].Processes[0].Methods, ","), "ping") {
		t.Fatalf("ls --json: %s", out)
	}
	if out, _, _ := client(t, "", "ls"); !strings.Contains(out, "alpha") || !strings.Contains(out, "echo,fail,ping,say,slow") {
		t.Fatalf("ls table:\n%s", out)
	}

	// Shell completion asks devrun for the live names and methods.
	if out, _, _ := client(t, "", "__complete", "instances"); out != "alpha\nbeta\n" {
		t.Fatalf("completion of names: %q", out)
	}
	if out, _, _ := client(t, "", "__complete", "methods", "alpha"); out != "echo\nfail\nping\nsay\nslow\n" {
		t.Fatalf("completion of methods: %q", out)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if out, _, code := client(t, "", "completion", shell); code != 0 || !strings.Contains(out, "__complete instances") || !strings.Contains(out, "__complete flags") {
			t.Fatalf("completion %s: code %d, %q", shell, code, out)
		}
	}
	// ... and the schema for flags and their values.
	if out, _, _ := client(t, "", "__complete", "flags", ""); !strings.Contains(out, "--watch\n-w\n") || !strings.Contains(out, "--follow-symlinks\n") {
		t.Fatalf("completion of flags: %q", out)
	}
	if out, _, _ := client(t, "", "__complete", "values", "", "--signal"); !strings.Contains(out, "SIGTERM\nSIGINT\n") {
		t.Fatalf("completion of --signal: %q", out)
	}
	if _, _, code := client(t, "", "__complete", "values", "", "--config"); code != 3 {
		t.Fatalf("completion of --config: code %d, want 3 (file names)", code)
	}
	if out, _, _ := client(t, "", "__complete", "values", "logs", "-n"); out != "alpha\nbeta\n" {
		t.Fatalf("completion of logs -n: %q", out)
	}
	// -n NAME means the devrun on every client subcommand, and -h prints the usage once.
	if out, _, code := client(t, "", "ls", "-n", "beta"); code != 0 || strings.Contains(out, "alpha") || !strings.Contains(out, "beta") {
		t.Fatalf("ls -n beta: code %d\n%s", code, out)
	}
	for _, sub := range []string{"ls", "send", "logs", "restart", "stop"} {
		out, _, code := client(t, "", sub, "-h")
		if code != 0 || strings.Count(out, "Usage:") != 1 || !strings.Contains(out, "-n, --name") {
			t.Fatalf("%s -h: code %d\n%s", sub, code, out)
		}
		if again, _, _ := client(t, "", "help", sub); again != out {
			t.Fatalf("help %s differs from %s -h:\n%s", sub, sub, again)
		}
	}

	// Two are running: the name is needed, and the error lists them.
	if _, errOut, code := client(t, "", "send", "ping"); code != 1 || !strings.Contains(errOut, "alpha, beta") {
		t.Fatalf("send without -n: code %d, %q", code, errOut)
	}
	if out, _, code := client(t, "", "send", "-n", "alpha", "ping"); code != 0 || strings.TrimSpace(out) != `"pong"` {
		t.Fatalf("send ping: code %d, %q", code, out)
	}
	if out, _, code := client(t, `{"a":[1,2]}`, "send", "-n", "alpha", "--raw", "echo", "-"); code != 0 || strings.TrimSpace(out) != `{"a":[1,2]}` {
		t.Fatalf("send echo from stdin: code %d, %q", code, out)
	}
	if _, errOut, code := client(t, "", "send", "-n", "alpha", "fail"); code != 1 || strings.TrimSpace(errOut) != "devrun: fail: it failed on purpose (code -32000)" {
		t.Fatalf("send fail: code %d, %q", code, errOut)
	}
	if _, errOut, code := client(t, "", "send", "-n", "alpha", "nosuch"); code != 1 || !strings.Contains(errOut, "(code -32601)") ||
		!strings.Contains(errOut, "the program's methods: echo, fail, ping, say, slow") {
		t.Fatalf("send nosuch: code %d, %q", code, errOut)
	}
	if _, errOut, _ := client(t, "", "send", "-n", "alpha", "pnig"); !strings.Contains(errOut, `did you mean "ping"?`) {
		t.Fatalf("send pnig: %q", errOut)
	}
	if _, errOut, code := client(t, "", "send", "-n", "alpha", "--timeout", "3s", "slow"); code != 1 || !strings.Contains(errOut, "no answer within 3s") {
		t.Fatalf("send slow: code %d, %q", code, errOut)
	}
	// The timeout reached the child's handler as a cancellation (3s is ample for the request to
	// get there first, even on a loaded machine).
	rep.next(t, "slow cancelled")
	if _, errOut, code := client(t, "", "send", "-n", "gamma", "ping"); code != 1 || !strings.Contains(errOut, `no devrun named "gamma"`) {
		t.Fatalf("send to a missing devrun: code %d, %q", code, errOut)
	}
	if _, errOut, code := client(t, "", "send", "-n", "alpha", "ping", "{bad"); code != 2 || !strings.Contains(errOut, "not valid JSON") {
		t.Fatalf("send bad JSON: code %d, %q", code, errOut)
	}

	// logs: the child's output and devrun's own lines, then following.
	client(t, "", "send", "-n", "alpha", "say", `{"text":"line before"}`)
	alpha.stderr.WaitFor(t, "line before")
	if out, _, _ := client(t, "", "logs", "-n", "alpha", "--lines", "50"); !strings.Contains(out, "line before") || !strings.Contains(out, "[devrun]") {
		t.Fatalf("logs:\n%s", out)
	}
	follow := exec.Command(os.Args[0], "logs", "alpha", "-f")
	follow.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "XDG_RUNTIME_DIR="+runtimeDir(t))
	followOut := newLineLog()
	follow.Stdout = followOut
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer follow.Process.Kill()
	// The backlog arrives with the registration as follower: after it, every line is new.
	followOut.WaitFor(t, "line before")
	client(t, "", "send", "-n", "alpha", "say", `{"text":"line after"}`)
	followOut.WaitFor(t, "line after")

	// restart and stop.
	if _, _, code := client(t, "", "restart", "-n", "alpha"); code != 0 {
		t.Fatalf("restart: code %d", code)
	}
	rep.next(t, "stop "+alphaPID)
	rep.next(t, "start")
	if _, _, code := client(t, "", "stop", "-n", "beta"); code != 0 {
		t.Fatalf("stop: code %d", code)
	}
	if code := beta.wait(t); code != 0 {
		t.Fatalf("devrun after stop exited %d, want 0", code)
	}
	client(t, "", "stop", "alpha")
	alpha.wait(t)
	follow.Wait() // logs -f ends when its devrun does
}

// TestControlSocketSurvivesBadClients sends garbage, oversize lines and a hundred clients at
// once; the child keeps serving and devrun keeps running.
func TestControlSocketSurvivesBadClients(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	d, _ := startRPCDevrun(t, "gamma", rep)
	sock := filepath.Join(runtimeDir(t), "devrun", "gamma.sock")

	raw, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	br := bufio.NewReader(raw)
	fmt.Fprint(raw, "{not json\n")
	if line, _ := br.ReadString('\n'); !strings.Contains(line, "-32700") {
		t.Fatalf("garbage got %q, want a -32700 parse error", line)
	}
	big := strings.Repeat("x", 17<<20)
	fmt.Fprintf(raw, `{"jsonrpc":"2.0","id":1,"method":"echo","params":{"s":"%s"}}`+"\n", big)
	fmt.Fprint(raw, `{"jsonrpc":"2.0","id":2,"method":"ping"}`+"\n")
	if line, _ := br.ReadString('\n'); !strings.Contains(line, `"id":1`) || !strings.Contains(line, "16777216-byte line limit") {
		t.Fatalf("an oversize request got %q, want an error naming the limit", line)
	}
	if line, _ := br.ReadString('\n'); !strings.Contains(line, `"pong"`) {
		t.Fatalf("after an oversize line, ping got %q", line)
	}

	half, err := net.Dial("unix", sock) // a client that disconnects mid-call
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(half, `{"jsonrpc":"2.0","id":1,"method":"slow"}`+"\n")
	half.Close() // the call is cancelled, in the child too if it got there; nothing else changes

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			nc, err := net.Dial("unix", sock)
			if err != nil {
				errs <- err
				return
			}
			conn := childrpc.NewConn(nc, childrpc.ConnOptions{})
			defer conn.Close()
			var res string
			if err := conn.Call(ctx, "ping", nil, &res); err != nil || res != "pong" {
				errs <- fmt.Errorf("ping: %q, %v", res, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if out, _, code := client(t, "", "send", "ping"); code != 0 || !strings.Contains(out, "pong") {
		t.Fatalf("after the storm, send ping: %d %q", code, out)
	}
	select {
	case <-d.done:
		t.Fatal("devrun exited")
	default:
	}
}

// TestControlSocketRefusesOtherUsers loosens the folder and socket permissions and connects
// as another uid: the peer check must still refuse it.
//
// Serial: it writes an executable and runs it, which fails with ETXTBSY when another test
// forks while the file is open for writing (golang/go#22315).
func TestControlSocketRefusesOtherUsers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another uid; the peer check is exercised when the tests run as root (as in CI)")
	}
	rep := newReporter(t)
	d, _ := startRPCDevrun(t, "delta", rep)
	sockDir := filepath.Join(runtimeDir(t), "devrun")
	sock := filepath.Join(sockDir, "delta.sock")
	os.Chmod(sockDir, 0o777)
	os.Chmod(sock, 0o666)

	// The client is this test binary, copied where uid 65534 may run it.
	binDir, err := os.MkdirTemp("", "devrun-other-uid")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	os.Chmod(binDir, 0o755)
	bin := filepath.Join(binDir, "client")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, sock)
	cmd.Env = []string{"DEVRUN_TEST_AS=rawping"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "refused") {
		t.Fatalf("a client of uid 65534 got %q, want it refused", out)
	}
	d.stderr.WaitFor(t, "runs as uid 65534")
}

// rawPing is the other-uid client: one ping on a raw connection; "refused" if the server
// hangs up without answering.
func rawPing(sock string) int {
	c, err := net.Dial("unix", sock)
	if err != nil {
		fmt.Println("dial:", err)
		return 1
	}
	fmt.Fprint(c, `{"jsonrpc":"2.0","id":1,"method":"ping"}`+"\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Println("refused:", err)
		return 0
	}
	fmt.Println("answered:", line)
	return 1
}
