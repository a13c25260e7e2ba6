package main

// End-to-end tests of --listen and --overlap: the real devrun command (this test binary), a
// real HTTP server as the child (built from httpServerSource: it takes its socket with
// childrpc.Listener, as a user's server does), and requests on 127.0.0.1 only.

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/internal/testkit"
)

// httpServerSource is the supervised HTTP server, in two modes:
//
//	serve ADDR   take the socket with childrpc.Listener(ADDR) and answer every request "pid N"
//	bind-self    a server written without devrun in mind: it binds the address devrun holds
//	             itself (learnt from the inherited fd 3, as a user types the same port twice)
//
// It reports "start PID ADDR", "serving PID", "stop PID" (the stop signal came) and "down PID"
// (every request answered) to DEVRUN_TEST_REPORT. With LISTEN_TEST_GATE set it waits, between
// taking the socket and serving, for the test's word on that Unix socket: "go" or "crash".
// It says devrun.ready once it serves, which is what --overlap waits for.
const httpServerSource = `package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/devrun-dev/devrun/childrpc"
)

var (
	reportMu   sync.Mutex
	reportConn net.Conn
)

func report(format string, args ...any) {
	reportMu.Lock()
	defer reportMu.Unlock()
	if reportConn != nil {
		fmt.Fprintf(reportConn, format+"\n", args...)
	}
}

func main() {
	if path := os.Getenv("DEVRUN_TEST_REPORT"); path != "" {
		reportConn, _ = net.Dial("unix", path)
	}
	pid := os.Getpid()
	if len(os.Args) > 1 && os.Args[1] == "bind-self" {
		os.Exit(bindSelf(pid))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go childrpc.Serve(ctx)
	ln, err := childrpc.Listener(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
	report("start %d %s", pid, ln.Addr())
	if gate := os.Getenv("LISTEN_TEST_GATE"); gate != "" {
		switch awaitWord(ctx, gate, pid) {
		case "go":
		case "crash":
			fmt.Fprintln(os.Stderr, "server: crashing as told")
			os.Exit(3)
		default: // stopped while waiting
			report("stop %d", pid)
			report("down %d", pid)
			return
		}
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "pid %d\n", pid)
	})}
	inFlight := trackOpen(srv)
	served := make(chan struct{})
	go func() {
		srv.Serve(ln)
		close(served)
	}()
	report("serving %d", pid)
	if err := childrpc.Ready(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "server: devrun.ready:", err)
	}
	<-ctx.Done()
	report("stop %d", pid)
	// net/http's Shutdown closes, unanswered, a connection whose request it reads after
	// Shutdown began (golang/go#75591). So first stop accepting, answer every connection
	// accepted (keep-alives off, so each closes after its answer), and only then Shutdown.
	srv.SetKeepAlivesEnabled(false)
	ln.Close()
	<-served
	inFlight.wait()
	srv.Shutdown(context.Background())
	report("down %d", pid)
}

// openConns tracks the connections that are new or have a request in progress. With
// keep-alives off each of them closes after its answer, so when none is left every accepted
// request has been answered. (Waiting only until none is new would leave a window: net/http
// marks a connection active before it checks for Shutdown.)
type openConns struct {
	mu    sync.Mutex
	conns map[net.Conn]bool
	none  chan struct{} // closed whenever conns is empty
}

func trackOpen(srv *http.Server) *openConns {
	o := &openConns{conns: map[net.Conn]bool{}, none: make(chan struct{})}
	close(o.none)
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if st == http.StateNew || st == http.StateActive {
			if len(o.conns) == 0 {
				o.none = make(chan struct{})
			}
			o.conns[c] = true
			return
		}
		if o.conns[c] {
			delete(o.conns, c)
			if len(o.conns) == 0 {
				close(o.none)
			}
		}
	}
	return o
}

func (o *openConns) wait() {
	o.mu.Lock()
	none := o.none
	o.mu.Unlock()
	<-none
}

// awaitWord tells the gate that pid waits and returns the test's word, or "" when the stop
// signal comes first.
func awaitWord(ctx context.Context, path string, pid int) string {
	c, err := net.Dial("unix", path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "server: gate:", err)
		os.Exit(4)
	}
	fmt.Fprintf(c, "%d\n", pid)
	word := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(c).ReadString('\n')
		word <- strings.TrimSpace(line)
	}()
	select {
	case w := <-word:
		return w
	case <-ctx.Done():
		return ""
	}
}

func bindSelf(pid int) int {
	f := os.NewFile(3, "inherited")
	l, err := net.FileListener(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "server: no inherited socket on fd 3:", err)
		return 4
	}
	addr := l.Addr().String()
	l.Close()
	f.Close()
	report("start %d %s", pid, addr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		return 1
	}
	ln.Close()
	return 0
}
`

// TestListen runs the --listen and --overlap cases on one build of the HTTP server.
func TestListen(t *testing.T) {
	t.Parallel()
	server := buildHTTPServer(t)
	// One after another: two of them keep up a load, and OverlapNewNeverReady gives a new
	// generation 2 s to reach its gate.
	t.Run("RestartsDropNothing", func(t *testing.T) { testRestartsDropNothing(t, server, false) })
	t.Run("OverlapRestartsDropNothing", func(t *testing.T) { testRestartsDropNothing(t, server, true) })
	t.Run("OverlapOldServesUntilNewIsReady", func(t *testing.T) { testOverlapOrder(t, server) })
	t.Run("OverlapNewNeverReady", func(t *testing.T) { testOverlapNeverReady(t, server) })
	t.Run("OverlapNewCrashes", func(t *testing.T) { testOverlapNewCrashes(t, server) })
	t.Run("StaleUnixSocketReplaced", func(t *testing.T) { testStaleUnixSocket(t, server) })
	t.Run("ChildBindsThePortItself", func(t *testing.T) { testChildBindsItself(t, server) })
}

// buildHTTPServer compiles httpServerSource from inside the module (the test runs in
// cmd/devrun), so that it imports this repository's childrpc.
func buildHTTPServer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "server.go")
	writeFile(t, src, httpServerSource)
	bin := filepath.Join(dir, "httpserver")
	cmd := exec.Command(goCommand(), "build", "-o", bin, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the HTTP server child: %v\n%s", err, out)
	}
	return bin
}

func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// testRestartsDropNothing restarts the server six times (by "rs" and by saves) under steady
// load, waiting each time until a request is answered by the new generation: no request may
// fail, because the socket devrun holds queues connections while no child accepts.
func testRestartsDropNothing(t *testing.T, server string, overlap bool) {
	dir := t.TempDir()
	watched := filepath.Join(dir, "watched")
	if err := os.Mkdir(watched, 0o755); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(watched, "a.txt")
	writeFile(t, saved, "0")
	rep := newReporter(t)
	args := []string{"-w", watched, "--listen", "127.0.0.1:0"}
	if overlap {
		args = append(args, "--overlap", "--ready-timeout", "1m")
	}
	d := startDevrun(t, dir, rep, append(args, "--", server, "serve", "127.0.0.1:0")...)

	pid, addr := startReport(t, rep.next(t, "start"))
	rep.next(t, "serving "+pid)
	get := newHTTPGetter("tcp", addr)
	l := testkit.StartLoad(4, 5000, get.Get)
	defer l.Stop()

	const restarts = 6
	pids := []string{pid}
	for i := 1; i <= restarts; i++ {
		if i%2 == 1 {
			fmt.Fprintln(d.stdin, "rs")
		} else {
			writeFile(t, saved, fmt.Sprint(i))
		}
		next := servingAfter(t, rep, pid)
		waitAnsweredBy(t, get, next)
		pids = append(pids, next)
		pid = next
	}
	res := l.Stop()
	if res.Failures() > 0 {
		t.Fatalf("%d of %d requests failed (%s) across %d restarts; first: %v", res.Failures(), res.Requests(), res.FailureKinds(), restarts, res.FirstFailure)
	}
	if res.Requests() == 0 {
		t.Fatal("the load sent no request")
	}
	// waitAnsweredBy saw every generation serve while the load ran; which of them the load's
	// own requests met is up to the scheduler, so it is only logged.
	t.Logf("%d requests, 0 failed, across %d restarts (%d generations: %v; the load met %d)", res.Requests(), restarts, len(pids), pids, len(res.Answers))
}

// startOverlapServer runs the test server under devrun --listen --overlap behind the ready
// gate, lets the first generation serve, and returns it.
func startOverlapServer(t *testing.T, server, readyTimeout string) (d *devrunProc, rep *reporter, g *readyGate, oldPID string, get *testkit.Getter) {
	t.Helper()
	dir := t.TempDir()
	rep = newReporter(t)
	g = newReadyGate(t)
	d = startDevrun(t, dir, rep, "-w", dir, "--listen", "127.0.0.1:0", "--overlap", "--ready-timeout", readyTimeout,
		"--env", "LISTEN_TEST_GATE="+g.path, "--", server, "serve", "127.0.0.1:0")
	oldPID, addr := startReport(t, rep.next(t, "start"))
	g.next(t, oldPID).say("go")
	rep.next(t, "serving "+oldPID)
	return d, rep, g, oldPID, newHTTPGetter("tcp", addr)
}

// testOverlapOrder: with --overlap the new generation holds the socket but waits at the gate;
// until it says ready every request is answered by the old one, which devrun stops only then.
func testOverlapOrder(t *testing.T, server string) {
	d, rep, g, oldPID, get := startOverlapServer(t, server, "1m")

	fmt.Fprintln(d.stdin, "rs")
	newPID, _ := startReport(t, rep.next(t, "start"))
	held := g.next(t, newPID) // the new generation runs and holds the socket, not ready yet
	for i := 0; i < 20; i++ {
		if got := mustGet(t, get); got != oldPID {
			t.Fatalf("request %d answered by pid %s while the new generation (pid %s) was not ready; want the old pid %s", i, got, newPID, oldPID)
		}
	}
	select {
	case l := <-rep.lines:
		t.Fatalf("report %q before the new generation was ready; want nothing (the old one serves on)", l)
	default:
	}

	held.say("go")
	// The old one is stopped after the new one said ready, and answers all it took.
	awaitReports(t, rep, "serving "+newPID, "down "+oldPID)
	for i := 0; i < 5; i++ {
		if got := mustGet(t, get); got != newPID {
			t.Fatalf("after the swap, request %d answered by pid %s, want the new pid %s", i, got, newPID)
		}
	}
}

// testOverlapNeverReady: a new generation that never says ready is stopped after
// --ready-timeout, devrun says why, and the old one serves on.
func testOverlapNeverReady(t *testing.T, server string) {
	d, rep, g, oldPID, get := startOverlapServer(t, server, "2s")

	fmt.Fprintln(d.stdin, "rs")
	newPID, _ := startReport(t, rep.next(t, "start"))
	g.next(t, newPID) // never told to go
	d.stderr.WaitFor(t, fmt.Sprintf("the new generation (pid %s) was not ready after", newPID))
	d.stderr.WaitFor(t, "still running pid "+oldPID)
	rep.next(t, "down "+newPID)
	for i := 0; i < 5; i++ {
		if got := mustGet(t, get); got != oldPID {
			t.Fatalf("request %d answered by pid %s, want the old pid %s that kept serving", i, got, oldPID)
		}
	}
}

// testOverlapNewCrashes: a new generation that crashes before it is ready leaves the old one
// serving, and devrun says so.
func testOverlapNewCrashes(t *testing.T, server string) {
	d, rep, g, oldPID, get := startOverlapServer(t, server, "1m")

	fmt.Fprintln(d.stdin, "rs")
	newPID, _ := startReport(t, rep.next(t, "start"))
	g.next(t, newPID).say("crash")
	d.stderr.WaitFor(t, fmt.Sprintf("the new generation (pid %s) exited with code 3 before it was ready; still running pid %s", newPID, oldPID))
	for i := 0; i < 5; i++ {
		if got := mustGet(t, get); got != oldPID {
			t.Fatalf("request %d answered by pid %s, want the old pid %s that kept serving", i, got, oldPID)
		}
	}
	// The next restart after the failed swap still replaces the old generation.
	fmt.Fprintln(d.stdin, "rs")
	third, _ := startReport(t, rep.next(t, "start"))
	g.next(t, third).say("go")
	rep.next(t, "down "+oldPID)
	waitAnsweredBy(t, get, third)
}

// testStaleUnixSocket: a socket file nobody answers on is removed and the socket bound again;
// the server answers on it; devrun removes the file when it ends.
func testStaleUnixSocket(t *testing.T, server string) {
	dir := shortSocketDir(t)
	path := filepath.Join(dir, "app.sock")
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close() // the file stays, as after a crash
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("the stale socket file should exist: %v", err)
	}

	rep := newReporter(t)
	d := startDevrun(t, dir, rep, "-w", t.TempDir(), "--listen", "unix:"+path, "--", server, "serve", "unix:"+path)
	pid, _ := startReport(t, rep.next(t, "start"))
	rep.next(t, "serving "+pid)
	if got := mustGet(t, newHTTPGetter("unix", path)); got != pid {
		t.Fatalf("answered by pid %s, want %s", got, pid)
	}
	fmt.Fprintln(d.stdin, "rs")
	next := servingAfter(t, rep, pid)
	if got := mustGet(t, newHTTPGetter("unix", path)); got != next {
		t.Fatalf("after a restart answered by pid %s, want %s", got, next)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait(t)
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("devrun left its socket file behind: %v", err)
	}
}

// testChildBindsItself: a program that ignores LISTEN_FDS and binds the port itself crashes
// with "address already in use"; devrun tells how to fix it.
func testChildBindsItself(t *testing.T, server string) {
	dir := t.TempDir()
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, "-w", dir, "--listen", "127.0.0.1:0", "--", server, "bind-self")
	rep.next(t, "start")
	d.stderr.WaitFor(t, "address already in use")
	d.stderr.WaitFor(t, "takes the inherited socket")
	d.stderr.WaitFor(t, "childrpc.Listener")
	d.stderr.WaitFor(t, "LISTEN_FDS")
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait(t)
}

// TestListenBadAddresses: every address devrun cannot hold ends it with status 2 and one line
// that names the address, before any child starts.
func TestListenBadAddresses(t *testing.T) {
	t.Parallel()
	dir := shortSocketDir(t)

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenAddr := taken.Addr().String()
	_, takenPort, _ := net.SplitHostPort(takenAddr)
	whoHolds := "lsof -iTCP:" + takenPort + " -sTCP:LISTEN" // a command that works, to paste

	live := filepath.Join(dir, "live.sock")
	liveL, err := net.Listen("unix", live)
	if err != nil {
		t.Fatal(err)
	}
	defer liveL.Close()
	go func() { // answer, so that devrun sees somebody home
		for {
			c, err := liveL.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	notSocket := filepath.Join(dir, "plain")
	writeFile(t, notSocket, "not a socket")
	missing := filepath.Join(dir, "no-such-folder", "app.sock")

	cases := []struct {
		name, listen string
		want         []string
	}{
		{"in use", takenAddr, []string{takenAddr, "address already in use", whoHolds}},
		{"in use, named", "web=" + takenAddr, []string{takenAddr, "address already in use"}},
		{"no port", "127.0.0.1", []string{"127.0.0.1", "not host:port"}},
		{"bad port", "127.0.0.1:99999", []string{"127.0.0.1:99999"}},
		{"empty name", "=127.0.0.1:0", []string{"=127.0.0.1:0", "name"}},
		{"missing folder", "unix:" + missing, []string{missing, "does not exist"}},
		{"live unix socket", "unix:" + live, []string{live, "already in use"}},
		{"not a socket", "unix:" + notSocket, []string{notSocket, "not a socket"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := newReporter(t)
			// Were the child started, it would report so.
			d := startDevrun(t, dir, rep, append([]string{"-w", dir, "--listen", c.listen}, childArgs("serve")...)...)
			if code := d.wait(t); code != 2 {
				t.Fatalf("exit status %d, want 2; output:\n%s", code, d.stderr.String())
			}
			out := strings.TrimSpace(d.stderr.String())
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output should contain %q; got:\n%s", w, out)
				}
			}
			if strings.Count(out, "\n") > 0 {
				t.Errorf("want one line, got:\n%s", out)
			}
			select {
			case l := <-rep.lines:
				t.Errorf("a child ran (%q) although the address could not be held", l)
			default:
			}
		})
	}
	// The live socket is untouched and still answers.
	c, err := net.Dial("unix", live)
	if err != nil {
		t.Fatalf("devrun broke the live socket it refused: %v", err)
	}
	c.Close()
	if _, err := os.Stat(notSocket); err != nil {
		t.Fatalf("devrun removed a file that is not a socket: %v", err)
	}
}

// TestNodeListenExample runs examples/node-listen under devrun --listen: it takes fd 3, says
// ready, answers, and a restart keeps the address.
func TestNodeListenExample(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "examples", "node-listen", "server.js"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	d := startDevrun(t, dir, nil, "-v", "-w", t.TempDir(), "--listen", "127.0.0.1:0", "--overlap", "--ready-timeout", "1m", "--", script)
	d.stderr.WaitFor(t, "listening on 127.0.0.1:")
	out := d.stderr.String()
	addr := strings.Fields(out[strings.Index(out, "listening on 127.0.0.1:")+len("listening on "):])[0]
	// Not an event: with --listen devrun assumes the program ready at once, and the
	// program's own word (which --overlap waits for) only shows in this line.
	d.stderr.WaitFor(t, "via \"ready\" message")
	get := newNodeHTTPGetter(addr)
	pid := mustGet(t, get)
	l := testkit.StartLoad(2, 5000, get.Get)
	defer l.Stop()
	for i := 0; i < 2; i++ {
		fmt.Fprintln(d.stdin, "rs")
		pid = waitAnsweredByOther(t, get, pid)
	}
	if res := l.Stop(); res.Failures() > 0 {
		t.Fatalf("%d of %d requests failed (%s) across 2 restarts; first: %v", res.Failures(), res.Requests(), res.FailureKinds(), res.FirstFailure)
	}
}

// newNodeHTTPGetter reads the example's answer "hello from node (pid N)".
func newNodeHTTPGetter(addr string) *testkit.Getter {
	g := newHTTPGetter("tcp", addr)
	g.Answer = func(body string) (string, bool) {
		_, rest, ok := strings.Cut(body, "(pid ")
		pid, _, ok2 := strings.Cut(rest, ")")
		return pid, ok && ok2
	}
	return g
}

// startReport splits "start PID ADDR".
func startReport(t *testing.T, line string) (pid, addr string) {
	t.Helper()
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("bad start report %q", line)
	}
	if len(f) > 2 {
		addr = f[2]
	}
	return f[1], addr
}

// servingAfter waits until a generation other than prev serves, and returns its pid. (A save
// may cause more than one restart; the last generation is the one that serves.)
func servingAfter(t *testing.T, rep *reporter, prev string) string {
	t.Helper()
	for {
		if pid := pidOf(rep.next(t, "serving")); pid != prev {
			return pid
		}
	}
}

// awaitReports waits for every one of want, in any order: reports of different processes
// arrive through different connections, so their order is not the order they were sent.
func awaitReports(t *testing.T, rep *reporter, want ...string) {
	t.Helper()
	missing := map[string]bool{}
	for _, w := range want {
		missing[w] = true
	}
	deadline := time.After(30 * time.Second)
	for len(missing) > 0 {
		select {
		case l := <-rep.lines:
			delete(missing, l)
		case <-deadline:
			t.Fatalf("reports %v missing after 30s", missing)
		}
	}
}

// waitAnsweredBy sends requests until pid answers one; each must succeed.
func waitAnsweredBy(t *testing.T, g *testkit.Getter, pid string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for mustGet(t, g) != pid {
		if time.Now().After(deadline) {
			t.Fatalf("pid %s answered no request within 30s", pid)
		}
	}
}

// waitAnsweredByOther sends requests until a pid other than old answers one, and returns it.
func waitAnsweredByOther(t *testing.T, g *testkit.Getter, old string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if pid := mustGet(t, g); pid != old {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %s still answers every request after 30s", old)
		}
	}
}

// shortSocketDir is a temporary folder with a short path: a Unix socket path must fit in 108
// bytes, which t.TempDir's test-named folders may not.
func shortSocketDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "devrun-listen")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// newHTTPGetter sends requests on a new connection each (testkit.Getter); its timeout only
// keeps a broken devrun from hanging the test.
func newHTTPGetter(network, addr string) *testkit.Getter {
	return testkit.NewGetter(network, addr, 30*time.Second)
}

// mustGet returns the pid that answered one request, which must succeed.
func mustGet(t *testing.T, g *testkit.Getter) string {
	t.Helper()
	pid, err := g.Get()
	if err != nil {
		t.Fatalf("request failed: %v", err)
	}
	return pid
}

// readyGate holds each generation of the server between taking its socket and serving, until the
// test says "go" (or "crash").
type readyGate struct {
	path    string
	waiting chan gateWaiter
}

type gateWaiter struct {
	pid  string
	conn net.Conn
}

func newReadyGate(t *testing.T) *readyGate {
	t.Helper()
	g := &readyGate{path: filepath.Join(shortSocketDir(t), "gate.sock"), waiting: make(chan gateWaiter, 16)}
	serveUnix(t, g.path, func(c net.Conn) {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			c.Close()
			return
		}
		g.waiting <- gateWaiter{pid: strings.TrimSpace(line), conn: c}
	})
	return g
}

// next returns the waiting generation pid, failing if another one arrives first.
func (g *readyGate) next(t *testing.T, pid string) gateWaiter {
	t.Helper()
	select {
	case w := <-g.waiting:
		t.Cleanup(func() { w.conn.Close() })
		if w.pid != pid {
			t.Fatalf("pid %s waits at the gate, want %s", w.pid, pid)
		}
		return w
	case <-time.After(30 * time.Second):
		t.Fatalf("pid %s did not reach the gate within 30s", pid)
	}
	return gateWaiter{}
}

func (w gateWaiter) say(word string) { fmt.Fprintln(w.conn, word) }
