package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/control"
	"github.com/devrun-dev/devrun/internal/rpcspec"
)

// specChild serves the methods of the JSON-RPC specification's examples, reports each
// notification it gets (and whether it came as one), and a few methods that misbehave.
func specChild(report func(string)) int {
	childrpc.HandleFunc("subtract", func(_ context.Context, p json.RawMessage) (any, error) { return rpcspec.Subtract(p) })
	childrpc.HandleFunc("sum", func(_ context.Context, p json.RawMessage) (any, error) { return rpcspec.Sum(p) })
	childrpc.HandleFunc("get_data", func(context.Context, json.RawMessage) (any, error) { return rpcspec.GetData(), nil })
	for m := range rpcspec.Notified {
		childrpc.HandleFunc(m, func(ctx context.Context, _ json.RawMessage) (any, error) {
			report(fmt.Sprintf("notified %s %v", m, childrpc.IsNotification(ctx)))
			return nil, nil
		})
	}
	childrpc.HandleFunc("big", func(context.Context, json.RawMessage) (any, error) {
		return strings.Repeat("b", 17<<20), nil // over the 16 MiB limit: refused, with an error
	})
	childrpc.HandleFunc("never", func(ctx context.Context, _ json.RawMessage) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	childrpc.HandleFunc("sleep", func(ctx context.Context, p json.RawMessage) (any, error) {
		var ms []int
		json.Unmarshal(p, &ms)
		select {
		case <-time.After(time.Duration(ms[0]) * time.Millisecond): // the work a handler does
		case <-ctx.Done():
		}
		return "slept", nil
	})
	go childrpc.Serve(context.Background())
	sigs := make(chan os.Signal, 1)
	signalNotify(sigs)
	<-sigs
	return 0
}

// junkChild writes, without childrpc, 20 responses with 9 MB ids to its channel (the
// issue saw 100; 20 are enough to make 3 log lines over the line limit, and stay quick
// under the race detector), then waits for SIGTERM.
func junkChild(report func(string)) int {
	fd, _ := strconv.Atoi(os.Getenv(childrpc.EnvRPCFD))
	f := os.NewFile(uintptr(fd), "channel")
	line := []byte(`{"jsonrpc":"2.0","id":"` + strings.Repeat("i", 9<<20) + `","result":1}` + "\n")
	for range 20 {
		if _, err := f.Write(line); err != nil {
			report("junk: " + err.Error())
			return 1
		}
	}
	report("junk sent")
	sigs := make(chan os.Signal, 1)
	signalNotify(sigs)
	<-sigs
	return 0
}

func startSpecDevrun(t *testing.T, name string, rep *reporter) (*devrunProc, string) {
	t.Helper()
	dir := t.TempDir()
	d := startDevrun(t, dir, rep, append([]string{"--name", name, "-v", "-w", dir}, childArgs("spec")...)...)
	rep.next(t, "start")
	d.stderr.WaitFor(t, "methods: big, get_data")
	return d, filepath.Join(runtimeDir(t), "devrun", name+".sock")
}

// rawClient is a client on the control socket that speaks lines.
type rawClient struct {
	t  *testing.T
	c  *net.UnixConn
	br *bufio.Reader
}

func dialRaw(t *testing.T, sock string) *rawClient {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawClient{t: t, c: c.(*net.UnixConn), br: bufio.NewReaderSize(c, 1<<20)}
}

func (r *rawClient) send(line string) {
	r.t.Helper()
	if _, err := fmt.Fprintln(r.c, line); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawClient) recv() string {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(30 * time.Second)) // a broken devrun fails, not hangs
	line, err := r.br.ReadString('\n')
	if err != nil {
		r.t.Fatalf("control socket: %v (got %q)", err, line)
	}
	return strings.TrimSuffix(line, "\n")
}

// The specification's examples, sent to the control socket: devrun forwards the calls
// to the program (notifications as notifications) and answers as the spec says.
func TestControlSocketSpecificationExamples(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	_, sock := startSpecDevrun(t, "spec", rep)
	c := dialRaw(t, sock)
	for _, ex := range rpcspec.Examples {
		c.send(ex.Send)
		if ex.Want != "" {
			got, err := rpcspec.Normalize(c.recv())
			want, _ := rpcspec.Normalize(ex.Want)
			if err != nil || got != want {
				t.Errorf("%s: got %s (%v), want %s", ex.Name, got, err, want)
			}
		}
		c.send(`{"jsonrpc":"2.0","id":"sync","method":"devrun.info"}`)
		if line := c.recv(); !strings.Contains(line, `"id":"sync"`) {
			t.Fatalf("%s: an answer where none was due: %s", ex.Name, line)
		}
	}
	got := map[string]int{}
	for range 4 {
		l := rep.next(t, "notified")
		if !strings.HasSuffix(l, " true") {
			t.Errorf("a notification reached the program as a request: %s", l)
		}
		got[strings.Fields(l)[1]]++
	}
	for m, n := range rpcspec.Notified {
		if got[m] != n {
			t.Errorf("notifications that reached the program: %v, want %v", got, rpcspec.Notified)
			break
		}
	}
}

// Nothing waits for ever, nothing is lost in silence: a half-closed client still gets its
// answers; a 17 MiB answer is an error naming the limit; a program that never answers
// gets -32002.
func TestControlSocketAnswersAlways(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	_, sock := startSpecDevrun(t, "answers", rep)

	c := dialRaw(t, sock)
	c.send(`{"jsonrpc":"2.0","id":1,"method":"sleep","params":[200]}`)
	c.send(`{"jsonrpc":"2.0","id":2,"method":"sum","params":[1,2]}`)
	if err := c.c.CloseWrite(); err != nil { // as nc and socat do
		t.Fatal(err)
	}
	answers := c.recv() + c.recv()
	if !strings.Contains(answers, `"id":1,"result":"slept"`) || !strings.Contains(answers, `"id":2,"result":3`) {
		t.Fatalf("after a half-close: %s", answers)
	}

	ctx := context.Background() // no timeout of its own: must not wait for ever
	nc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	conn := childrpc.NewConn(nc, childrpc.ConnOptions{})
	defer conn.Close()
	var rpcErr *childrpc.Error
	err = conn.Call(ctx, "big", nil, nil)
	if !errors.As(err, &rpcErr) || !strings.Contains(rpcErr.Message, "16777216-byte line limit") {
		t.Fatalf("a 17 MiB answer: %v", err)
	}
	err = conn.Call(ctx, childrpc.MethodCall, childrpc.CallParams{Method: "never", TimeoutMS: 300}, nil)
	if !errors.As(err, &rpcErr) || rpcErr.Code != childrpc.CodeTimeout || !strings.Contains(rpcErr.Message, "no answer within 300ms") {
		t.Fatalf("a program that never answers: %v", err)
	}
}

// A program that sends responses with 9 MB ids: devrun logs them cut, and `devrun logs`
// answers at once with short lines.
func TestLogsOfHugeValues(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	dir := t.TempDir()
	d := startDevrun(t, dir, rep, append([]string{"--name", "junk", "-v", "-w", dir}, childArgs("junk")...)...)
	rep.next(t, "junk sent")
	d.stderr.WaitFor(t, "unknown id")
	out, errOut, code := client(t, "", "logs", "-l", "3", "-n", "junk")
	if code != 0 {
		t.Fatalf("devrun logs: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("devrun logs -n 3 printed %d lines: %.500s", len(lines), out)
	}
	for _, l := range lines {
		if len(l) > 4<<10 {
			t.Fatalf("a log line of %d bytes: %.200s", len(l), l)
		}
	}
}

// After a spell of EMFILE, the control socket accepts again (devrun runs under a lowered
// RLIMIT_NOFILE, and the test holds connections until it runs out of descriptors).
func TestControlSocketRecoversFromEMFILE(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("needs sh for ulimit")
	}
	rep := newReporter(t)
	dir := t.TempDir()
	// ulimit -n sets the hard limit too, so that devrun's runtime cannot raise it again.
	cmd := exec.Command(sh, append([]string{"-c", `ulimit -n 48 && exec "$0" "$@"`, os.Args[0],
		"--name", "emfile", "-w", dir}, childArgs("spec")...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "NO_COLOR=1", "XDG_RUNTIME_DIR="+runtimeDir(t),
		"DEVRUN_TEST_REPORT="+rep.path)
	logs := newLineLog()
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("devrun output:\n%s", logs.String())
		}
	})
	rep.next(t, "start")
	sock := filepath.Join(runtimeDir(t), "devrun", "emfile.sock")

	var held []net.Conn
	for range 60 {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	logs.WaitFor(t, "control socket: accept: accept unix "+sock+": accept4: too many open files; retrying")
	for _, c := range held {
		c.Close()
	}
	logs.WaitFor(t, "control socket: accepting again")
	if out, errOut, code := client(t, "", "send", "-n", "emfile", "sum", "[1,2]"); code != 0 || strings.TrimSpace(out) != "3" {
		t.Fatalf("send after EMFILE: exit %d, %q %q", code, out, errOut)
	}
	if n, spells := strings.Count(logs.String(), "too many open files"), strings.Count(logs.String(), "accepting again"); n != spells {
		t.Fatalf("the accept error was logged %d times in %d spells, want once per spell", n, spells)
	}
}

// A Node program that closes its channel (process.disconnect()) shows so in `devrun ls`.
func TestLsShowsAChannelTheProgramClosed(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "app.js")
	writeFile(t, script, `process.send('ready'); process.disconnect(); setInterval(() => {}, 1000);`)
	ev := eventsFromStart(t)
	startDevrun(t, dir, nil, "--name", "disc", "-w", dir, script)
	ev.next(t, childrpc.EventStarted)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _, _ := client(t, "", "ls", "--json")
		var list []childrpc.Info
		json.Unmarshal([]byte(out), &list)
		if len(list) == 1 && len(list[0].Processes) == 1 && list[0].Processes[0].Channel == "closed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("devrun ls never showed the closed channel: %s", out)
		}
	}
	if out, _, _ := client(t, "", "ls"); !strings.Contains(out, "running (channel closed)") {
		t.Fatalf("devrun ls: %s", out)
	}
}

// Past control.MaxConns, a client gets a clear error instead of a silent hang-up.
func TestControlConnectionCap(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	_, sock := startSpecDevrun(t, "cap", rep)
	for i := range control.MaxConns {
		c := dialRaw(t, sock)
		c.send(`{"jsonrpc":"2.0","id":` + strconv.Itoa(i) + `,"method":"devrun.info"}`)
		c.recv() // served: it counts
	}
	c := dialRaw(t, sock)
	c.send(`{"jsonrpc":"2.0","id":"over","method":"devrun.info"}`)
	if line := c.recv(); !strings.Contains(line, "at most 128 control connections") || !strings.Contains(line, `"id":null`) {
		t.Fatalf("past the cap: %s", line)
	}
}
