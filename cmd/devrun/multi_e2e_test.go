package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// End-to-end tests of a devrun.toml with several processes (issue 7), run by the real devrun
// (this test binary, see TestMain): a Go web process that devrun builds, a Node worker scaled to
// 2, and a shell command that crashes in a loop.

// multiWebSource is the Go process. Its handlers reach the worker through devrun.call; it prints
// "web up VERSION PID" once it listens, so that the test can count its starts.
const multiWebSource = `package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/devrun-dev/devrun/childrpc"
)

const version = "VERSION"

type job struct {
	Job string ` + "`json:\"job\"`" + `
}

type target struct {
	Process, Method string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	childrpc.Handle("dispatch", func(ctx context.Context, j job) (json.RawMessage, error) {
		return childrpc.CallProcess[json.RawMessage](ctx, "worker", "take", j)
	})
	childrpc.Handle("dispatchAll", func(ctx context.Context, j job) (json.RawMessage, error) {
		return childrpc.Call[json.RawMessage](ctx, "devrun.call",
			map[string]any{"process": "worker", "method": "take", "params": j, "instance": "all"})
	})
	// callMissing reports the JSON-RPC error a call to p gives, as "code N: message".
	childrpc.Handle("callMissing", func(ctx context.Context, p target) (string, error) {
		res, err := childrpc.CallProcess[json.RawMessage](ctx, p.Process, p.Method, nil)
		var rpcErr *childrpc.Error
		if !errors.As(err, &rpcErr) {
			return "", fmt.Errorf("want a JSON-RPC error, got %s, %v", res, err)
		}
		return fmt.Sprintf("code %d: %s", rpcErr.Code, rpcErr.Message), nil
	})
	childrpc.Handle("whoami", func(context.Context, struct{}) (map[string]any, error) {
		return map[string]any{"process": childrpc.ProcessName(), "version": version, "pid": os.Getpid()}, nil
	})
	go childrpc.Serve(ctx)

	ln, err := childrpc.Listener("http")
	if err != nil {
		fmt.Println("web:", err)
		os.Exit(1)
	}
	http.HandleFunc("/job", func(w http.ResponseWriter, r *http.Request) {
		answer, err := childrpc.CallProcess[json.RawMessage](r.Context(), "worker", "take", job{Job: r.URL.Query().Get("job")})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "{\"web\":%d,\"worker\":%s}", os.Getpid(), answer)
	})
	go http.Serve(ln, nil)
	fmt.Println("web up", version, os.Getpid())
	<-ctx.Done()
}
`

// multiWorkerSource is the Node process: JSON-RPC over Node's IPC channel by hand, requests to
// devrun with ids of its own. It says it is ready only when told to ("open"), so that the test
// sees web held back by depends_on.
const multiWorkerSource = `'use strict';
const VERSION = 'VERSION';
const instance = Number(process.env.DEVRUN_INSTANCE);
let nextId = 1;
const pending = new Map();

function call(method, params) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    process.send({ jsonrpc: '2.0', id: id, method: method, params: params });
  });
}

const methods = {
  take(p) { return { instance: instance, pid: process.pid, job: p && p.job, version: VERSION }; },
  open() { process.send('ready'); return 'opened'; },
  askWeb() { return call('devrun.call', { process: 'web', method: 'whoami', params: {} }); },
  askMissing(p) {
    return call('devrun.call', { process: p.process, method: p.method, params: {} })
      .then((r) => ({ unexpected: r }), (e) => ({ code: e.code, message: e.message }));
  },
};

process.on('message', async (msg) => {
  if (msg === null || typeof msg !== 'object') return;
  if (typeof msg.method !== 'string') {
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(msg.error);
    else waiter.resolve(msg.result);
    return;
  }
  if (msg.id === undefined) return;
  const fn = Object.prototype.hasOwnProperty.call(methods, msg.method) ? methods[msg.method] : null;
  if (!fn) {
    process.send({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'method not found: ' + msg.method } });
    return;
  }
  try {
    const result = await fn(msg.params);
    process.send({ jsonrpc: '2.0', id: msg.id, result: result === undefined ? null : result });
  } catch (err) {
    process.send({ jsonrpc: '2.0', id: msg.id, error: { code: -32000, message: String(err && err.message || err) } });
  }
});
process.on('disconnect', () => process.exit(0));
console.log('worker up ' + VERSION + ' ' + instance + ' ' + process.pid);
`

// multiConfig runs web (Go, built by devrun, listening on a held unix socket), worker (Node,
// scale 2) and crasher (a command that fails at once, every time). web waits for worker.
const multiConfig = `# the test's project
delay = "50ms"

[process.web]
run = "./web"
listen = ["http=unix:SOCKET"]
depends_on = ["worker"]

[process.worker]
run = "worker.js"
scale = 2
ready_timeout = "10m" # web must wait for "open", however slow the machine

[process.crasher]
run = "sh"
args = ["-c", "echo crashing; exit 3"]
watch = ["crashdir"]
`

func TestMultiProcessGoAndNode(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH: the Go + Node multi-process test needs it (the config and crash-loop tests run without)")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH: devrun cannot build the Go process")
	}
	dir := t.TempDir()
	sock := filepath.Join(multiSocketDir(t), "web.sock")
	multiGoModule(t, dir)
	writeFile(t, filepath.Join(dir, "worker.js"), strings.ReplaceAll(multiWorkerSource, "VERSION", "v1"))
	multiMkdir(t, filepath.Join(dir, "web"))
	multiMkdir(t, filepath.Join(dir, "crashdir"))
	writeFile(t, filepath.Join(dir, "web", "main.go"), strings.ReplaceAll(multiWebSource, "VERSION", "v1"))
	writeFile(t, filepath.Join(dir, "devrun.toml"), strings.ReplaceAll(multiConfig, "SOCKET", sock))
	multiPrebuild(t, dir, "./web")

	d := startDevrun(t, dir, nil)
	out := d.stderr
	const (
		webLine     = "web      | "
		worker0Line = "worker.0 | "
		worker1Line = "worker.1 | "
		crasherLine = "crasher  | "
	)
	out.WaitFor(t, worker0Line+"worker up v1 0 ")
	out.WaitFor(t, worker1Line+"worker up v1 1 ")
	ev := startEvents(t, "--since", "0")
	// crasher does not depend on anything: it runs (and crashes) while web waits for worker.
	ev.waitFor(t, "crasher's crash loop", func(e childrpc.Event) bool { return e.Kind == childrpc.EventCrashLoop && e.Process == "crasher" })

	// depends_on: no worker has said it is ready, so web is not even built.
	for _, p := range multiLs(t, d) {
		if p.Name == "web" && (p.State != "stopped" || p.PID != 0) {
			t.Fatalf("web started (%s, pid %d) before the worker it depends on was ready", p.State, p.PID)
		}
	}
	if strings.Contains(out.String(), webLine) {
		t.Fatalf("web printed before the worker it depends on was ready:\n%s", out.String())
	}
	if got := multiSend(t, d, "-p", "worker", "open"); got != `"opened"` {
		t.Fatalf("worker open: %s", got)
	}
	out.WaitFor(t, webLine+"web up v1 ")

	t.Run("http handler calls the worker, round robin", func(t *testing.T) {
		seen := map[int]bool{}
		for _, job := range []string{"a", "b"} {
			var reply struct {
				Web    int `json:"web"`
				Worker struct {
					Instance int    `json:"instance"`
					Job      string `json:"job"`
					Version  string `json:"version"`
				} `json:"worker"`
			}
			multiHTTPGet(t, sock, "/job?job="+job, &reply)
			if reply.Worker.Job != job || reply.Worker.Version != "v1" || reply.Web == 0 {
				t.Fatalf("job %s: got %+v", job, reply)
			}
			seen[reply.Worker.Instance] = true
		}
		if !seen[0] || !seen[1] {
			t.Fatalf("two calls should reach both worker instances, reached %v", seen)
		}
	})

	t.Run("instance all returns a list", func(t *testing.T) {
		var replies []struct {
			Instance int    `json:"instance"`
			Job      string `json:"job"`
		}
		multiDecode(t, multiSend(t, d, "-p", "web", "dispatchAll", `{"job":"every"}`), &replies)
		if len(replies) != 2 || replies[0].Instance != 0 || replies[1].Instance != 1 || replies[0].Job != "every" {
			t.Fatalf("want the replies of worker.0 and worker.1 in order, got %+v", replies)
		}
	})

	t.Run("node handler calls the go process", func(t *testing.T) {
		var who struct{ Process, Version string }
		multiDecode(t, multiSend(t, d, "-p", "worker", "askWeb"), &who)
		if who.Process != "web" || who.Version != "v1" {
			t.Fatalf("worker askWeb: got %+v", who)
		}
	})

	t.Run("unknown process or method", func(t *testing.T) {
		stdout, stderr, code := multiClient(t, d, "send", "-p", "nosuch", "take")
		if code != 1 || stdout != "" || !strings.Contains(stderr, `no process "nosuch" (have: worker, web, crasher)`) ||
			!strings.Contains(stderr, "code -32602") {
			t.Fatalf("send -p nosuch: exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		_, stderr, code = multiClient(t, d, "send", "-p", "worker", "nosuch")
		if code != 1 || !strings.Contains(stderr, "method not found: nosuch") || !strings.Contains(stderr, "code -32601") {
			t.Fatalf("send -p worker nosuch: exit %d, stderr %q", code, stderr)
		}
		// The same from inside the processes: the Go child gets a *childrpc.Error...
		var got string
		multiDecode(t, multiSend(t, d, "-p", "web", "callMissing", `{"process":"nosuch","method":"take"}`), &got)
		if !strings.HasPrefix(got, "code -32602: ") || !strings.Contains(got, `no process "nosuch"`) {
			t.Fatalf("web calling an unknown process: %s", got)
		}
		multiDecode(t, multiSend(t, d, "-p", "web", "callMissing", `{"process":"worker","method":"nosuch"}`), &got)
		if got != "code -32601: method not found: nosuch" {
			t.Fatalf("web calling an unknown method of worker: %s", got)
		}
		// ... and the Node child a JSON-RPC error object.
		var nodeErr struct {
			Code    int
			Message string
		}
		multiDecode(t, multiSend(t, d, "-p", "worker", "askMissing", `{"process":"nosuch","method":"take"}`), &nodeErr)
		if nodeErr.Code != childrpc.CodeInvalidParams || !strings.Contains(nodeErr.Message, `no process "nosuch"`) {
			t.Fatalf("worker calling an unknown process: %+v", nodeErr)
		}
	})

	// A change to worker.js restarts both worker instances and nothing else.
	multiWriteAtomic(t, filepath.Join(dir, "worker.js"), strings.ReplaceAll(multiWorkerSource, "VERSION", "v2"))
	out.WaitFor(t, worker0Line+"worker up v2 0 ")
	out.WaitFor(t, worker1Line+"worker up v2 1 ")
	// A change to web's Go file rebuilds and restarts web only.
	multiWriteAtomic(t, filepath.Join(dir, "web", "main.go"), strings.ReplaceAll(multiWebSource, "VERSION", "v2"))
	out.WaitFor(t, webLine+"web up v2 ")
	// rs NAME on devrun's stdin restarts that process only.
	fmt.Fprintln(d.stdin, "rs web")
	out.WaitCount(t, webLine+"web up v2 ", 2)

	// crasher gave up crashing and waits for a change; the others still serve, and the
	// restarted ones talk.
	var reply struct {
		Worker struct{ Version string } `json:"worker"`
	}
	multiHTTPGet(t, sock, "/job?job=late", &reply)
	if reply.Worker.Version != "v2" {
		t.Fatalf("after the restarts, web should reach the new worker: got %+v", reply)
	}
	select {
	case <-d.done:
		t.Fatalf("devrun exited while one process crash-looped:\n%s", out.String())
	default:
	}

	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t); code != 143 {
		t.Fatalf("devrun after SIGTERM exited %d, want 143", code)
	}
	log := out.String()
	// Each change restarted its own process once; nothing restarted anything else.
	for line, want := range map[string]int{
		webLine + "web up v1 ": 1, webLine + "web up v2 ": 2,
		worker0Line + "worker up v1 ": 1, worker0Line + "worker up v2 ": 1,
		worker1Line + "worker up v1 ": 1, worker1Line + "worker up v2 ": 1,
	} {
		if got := strings.Count(log, line); got != want {
			t.Errorf("%q appears %d times, want %d", line, got, want)
		}
	}
	changes := map[string][]string{}
	for _, e := range ev.stopped(t) {
		if e.Kind == childrpc.EventChange {
			changes[fmt.Sprintf("%s.%d", e.Process, e.Instance)] = append(changes[fmt.Sprintf("%s.%d", e.Process, e.Instance)], e.Paths...)
		}
	}
	if want := map[string][]string{"worker.0": {"worker.js"}, "worker.1": {"worker.js"}, "web.0": {"web/main.go"}}; !reflect.DeepEqual(changes, want) {
		t.Errorf("the changes, by process instance: %v, want %v", changes, want)
	}
	// Every line is devrun's own, naming its process, or a child's behind its aligned prefix.
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "[devrun] "),
			strings.HasPrefix(line, webLine), strings.HasPrefix(line, worker0Line),
			strings.HasPrefix(line, worker1Line), strings.HasPrefix(line, crasherLine):
		default:
			t.Errorf("line without a process prefix: %q", line)
		}
	}
	for _, about := range []string{"[devrun] web: ", "[devrun] worker.0: ", "[devrun] worker.1: ", crasherLine + "crashing"} {
		if !strings.Contains(log, about) {
			t.Errorf("no line starting %q", about)
		}
	}
}

// TestMultiProcessCrashLoopAndRestartOne needs neither node nor go: a steady process (this test
// binary as the child) and a crash-looping one, restarted one at a time from stdin.
func TestMultiProcessCrashLoopAndRestartOne(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	multiMkdir(t, filepath.Join(dir, "crashdir"))
	writeFile(t, filepath.Join(dir, "devrun.toml"), fmt.Sprintf(`
[process.steady]
run = %s
args = ["serve"]
env = { DEVRUN_TEST_AS = "child" }
watch = ["steadydir"]

[process.crasher]
run = "sh"
args = ["-c", "exit 3"]
watch = ["crashdir"]
`, strconv.Quote(os.Args[0])))
	multiMkdir(t, filepath.Join(dir, "steadydir"))
	rep := newReporter(t)
	d := startDevrun(t, dir, rep)

	first := pidOf(rep.next(t, "start"))
	ev := startEvents(t, "--since", "0")
	ev.waitFor(t, "crasher's crash loop", func(e childrpc.Event) bool { return e.Kind == childrpc.EventCrashLoop && e.Process == "crasher" })
	fmt.Fprintln(d.stdin, "rs steady")
	rep.next(t, "stop "+first)
	second := pidOf(rep.next(t, "start"))
	fmt.Fprintln(d.stdin, "rs nosuch")
	d.stderr.WaitFor(t, "rs nosuch: no process \"nosuch\" (have: steady, crasher)")
	fmt.Fprintln(d.stdin, "to the first process")
	if got := rep.next(t, "stdin"); got != "stdin to the first process" {
		t.Fatalf("stdin line: got %q", got)
	}

	d.cmd.Process.Signal(syscall.SIGTERM)
	rep.next(t, "stop "+second)
	if code := d.wait(t); code != 143 {
		t.Fatalf("devrun after SIGTERM exited %d, want 143", code)
	}
	if n := countKind(ev.stopped(t), childrpc.EventStarted, "steady"); n != 2 {
		t.Fatalf("steady should start twice (first, rs steady), started %d times:\n%s", n, d.stderr.String())
	}
}

// TestMultiProcessConfigErrors: a bad devrun.toml stops devrun with status 2 before anything
// starts, with one line naming the file, the line and the key.
func TestMultiProcessConfigErrors(t *testing.T) {
	t.Parallel()
	const starts = "run = \"sh\"\nargs = [\"-c\", \"touch started\"]\n"
	cases := []struct {
		name, file, toml string
		want             string // after "devrun: " and the folder
	}{
		{"unknown key", "devrun.toml", "[process.web]\n" + starts + "watchh = [\".\"]\n",
			`devrun.toml:4: process.web.watchh: unknown key (did you mean "watch"?)`},
		{"unknown key, --config", "other.toml", "[process.web]\n" + starts + "scael = 2\n",
			`other.toml:4: process.web.scael: unknown key (did you mean "scale"?)`},
		{"cycle", "devrun.toml", "[process.a]\n" + starts + "depends_on = [\"b\"]\n\n[process.b]\n" + starts + "depends_on = \"a\"\n",
			"devrun.toml:4: process.a.depends_on: dependency cycle: a -> b -> a"},
		{"unknown depends_on", "devrun.toml", "[process.web]\n" + starts + "depends_on = [\"wroker\"]\n\n[process.worker]\n" + starts,
			`devrun.toml:4: process.web.depends_on: no process named "wroker" (did you mean "worker"?)`},
		{"scale 0", "devrun.toml", "[process.worker]\n" + starts + "scale = 0\n",
			"devrun.toml:4: process.worker.scale: must be 1 or more, got 0"},
		{"scale wrong type", "devrun.toml", "[process.worker]\n" + starts + "scale = \"two\"\n",
			"devrun.toml:4: process.worker.scale: want a whole number"},
		// 18391 is never bound: the config is refused first (a parallel test may hold any port).
		{"same listen address", "devrun.toml", "[process.a]\n" + starts + "listen = \"127.0.0.1:18391\"\n\n[process.b]\n" + starts + "listen = [\"http=localhost:18391\"]\n",
			"devrun.toml:9: process.b.listen: http=localhost:18391 is already taken by process a (process.a.listen, line 4)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, c.file), c.toml)
			var args []string
			if c.file != "devrun.toml" {
				args = []string{"--config", c.file}
			}
			d := startDevrun(t, dir, nil, args...)
			if code := d.wait(t); code != 2 {
				t.Fatalf("exit status %d, want 2; output:\n%s", code, d.stderr.String())
			}
			// devrun.toml found in the folder is named by its absolute path, --config FILE as given.
			want := "devrun: " + c.want
			if c.file == "devrun.toml" {
				want = "devrun: " + filepath.Join(dir, c.want)
			}
			out := strings.TrimSuffix(d.stderr.String(), "\n")
			if strings.Contains(out, "\n") || !strings.HasPrefix(out, want) {
				t.Fatalf("want one line starting %q, got:\n%s", want, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
				t.Fatalf("a process started despite the config error")
			}
		})
	}
}

// multiGoModule makes dir a module that uses this repository's packages (childrpc) through a
// replace directive, so that devrun can build a Go program there offline.
func multiGoModule(t *testing.T, dir string) {
	t.Helper()
	root := multiRepoRoot(t)
	writeFile(t, filepath.Join(dir, "go.mod"), fmt.Sprintf(
		"module example.com/multi\n\ngo 1.25.0\n\nrequire github.com/devrun-dev/devrun v0.0.0\n\nreplace github.com/devrun-dev/devrun => %s\n",
		strconv.Quote(root)))
}

// multiRepoRoot is the folder of this repository's go.mod, found from the package folder go test
// runs in.
func multiRepoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module github.com/devrun-dev/devrun\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod of github.com/devrun-dev/devrun above the test's folder")
		}
		dir = parent
	}
}

// multiPrebuild compiles pkg once before devrun does, so that a cold build cache (net/http) does not
// eat the test's deadlines, and so that a module problem fails here with go's own message.
func multiPrebuild(t *testing.T, dir, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", os.DevNull, pkg)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s in the test module: %v\n%s", pkg, err, out)
	}
}

// multiSocketDir is for unix sockets, whose paths are limited to about 100 bytes.
func multiSocketDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "drm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func multiMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// multiWriteAtomic replaces path in one rename, as editors do, so that the watcher sees one change
// rather than a truncation and a write.
func multiWriteAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// multiClient runs a devrun subcommand (send, ls) against the devrun d, through the same
// control-socket folder.
func multiClient(t *testing.T, d *devrunProc, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	// DEVRUN_TEST_AS=devrun and d's XDG_RUNTIME_DIR; a race-enabled binary otherwise sleeps a
	// second at exit.
	cmd.Env = append(append([]string(nil), d.cmd.Env...), "GORACE=atexit_sleep_ms=0")
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &errBuf
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("devrun %s: %v", strings.Join(args, " "), err)
	}
	return outBuf.String(), errBuf.String(), cmd.ProcessState.ExitCode()
}

// multiSend is devrun send --raw, which must succeed; it returns the result as printed.
func multiSend(t *testing.T, d *devrunProc, args ...string) string {
	t.Helper()
	stdout, stderr, code := multiClient(t, d, append([]string{"send", "--timeout", "30s", "--raw"}, args...)...)
	if code != 0 {
		t.Fatalf("devrun send %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return strings.TrimSpace(stdout)
}

func multiLs(t *testing.T, d *devrunProc) []childrpc.ProcessInfo {
	t.Helper()
	stdout, stderr, code := multiClient(t, d, "ls", "--json")
	if code != 0 {
		t.Fatalf("devrun ls: exit %d: %s", code, stderr)
	}
	var list []childrpc.Info
	multiDecode(t, stdout, &list)
	if len(list) != 1 {
		t.Fatalf("devrun ls: want this one devrun, got %s", stdout)
	}
	return list[0].Processes
}

func multiDecode(t *testing.T, text string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(text), v); err != nil {
		t.Fatalf("decoding %s: %v", text, err)
	}
}

// multiHTTPGet requests path from the web process over its unix socket.
func multiHTTPGet(t *testing.T, sock, path string, v any) {
	t.Helper()
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://web" + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s %v", path, resp.Status, body, err)
	}
	multiDecode(t, string(body), v)
}
