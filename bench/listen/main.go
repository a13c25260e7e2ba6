// Command listen measures what a client sees while devrun restarts an HTTP server under load:
//
//	go run ./bench/listen
//
// It builds devrun and a small HTTP server (which takes its socket with childrpc.Listener and
// serves with childrpc/httpserve), runs the server under devrun, and sends requests from a few workers on 127.0.0.1, a new
// connection per request as a browser reloading a page does, while it saves a watched file
// -restarts times, waiting each time for the new server to serve. It prints requests, failed
// requests and latencies for: no restarts (the baseline), without --listen (each restart
// refuses connections), with --listen, with --listen --overlap, and with --listen for a server
// that stops with a plain http.Server.Shutdown, which drops a request it reads after Shutdown
// began (golang/go#75591). It exits non-zero only on its own errors, never on the figures.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/bench/internal/benchkit"
	"github.com/devrun-dev/devrun/internal/testkit"
)

// serverSource is the server under test. Arguments: ADDR [plain]. It reports "up PID" to
// BENCH_SOCK once it serves. On SIGTERM it stops with httpserve.Serve, which answers every
// connection it accepted before it shuts down; with "plain" it calls Shutdown at once.
const serverSource = `package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/childrpc/httpserve"
)

func main() {
	pid := os.Getpid()
	plain := len(os.Args) > 2 && os.Args[2] == "plain"
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go childrpc.Serve(ctx)
	ln, err := childrpc.Listener(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
	body := []byte(fmt.Sprintf("pid %d\n", pid))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	})}
	// The socket listens already: connections wait in its queue until Serve accepts them.
	if c, err := net.Dial("unix", os.Getenv("BENCH_SOCK")); err == nil {
		fmt.Fprintf(c, "up %d\n", pid)
		defer c.Close()
	}
	childrpc.Ready(ctx)
	if !plain {
		if err := httpserve.Serve(ctx, srv, ln); err != nil {
			fmt.Fprintln(os.Stderr, "server:", err)
		}
		return
	}
	go srv.Serve(ln)
	<-ctx.Done()
	srv.Shutdown(context.Background())
}
`

type config struct {
	restarts int
	workers  int
	settle   time.Duration
}

func main() {
	var c config
	flag.IntVar(&c.restarts, "restarts", 20, "restarts per run")
	flag.IntVar(&c.workers, "workers", 8, "client workers, each sending one request at a time")
	flag.DurationVar(&c.settle, "settle", 100*time.Millisecond, "steady load between two restarts")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "bench/listen:", err)
		os.Exit(1)
	}
}

// scenario is one run: devrun's flags, whether to restart, and the server's stop style.
type scenario struct {
	name     string
	listen   bool
	args     []string
	restart  bool
	plainEnd bool
}

func run(c config) error {
	work, devrun, err := benchkit.Work("devrun-bench-listen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	server := filepath.Join(work, "server")
	src := filepath.Join(work, "server.go")
	if err := os.WriteFile(src, []byte(serverSource), 0o644); err != nil {
		return err
	}
	// Built from the repository root, so that the server imports this repository's childrpc.
	if err := benchkit.Build(server, src); err != nil {
		return err
	}

	scenarios := []scenario{
		{name: "no restarts (baseline, --listen)", listen: true},
		{name: "without --listen", restart: true},
		{name: "--listen", listen: true, restart: true},
		{name: "--listen --overlap", listen: true, args: []string{"--overlap"}, restart: true},
		{name: "--listen, plain Shutdown (go#75591)", listen: true, restart: true, plainEnd: true},
	}
	fmt.Printf("HTTP server under load from %d workers on 127.0.0.1 (a new connection per request),\n", c.workers)
	fmt.Printf("restarted %d times by saving a watched file (%s of steady load between restarts)\n\n", c.restarts, c.settle)
	fmt.Printf("%-38s %9s %8s %9s %9s %9s   %s\n", "run", "requests", "failed", "p50", "p99", "max", "failures")
	var baselineMax time.Duration
	results := map[string]testkit.LoadResult{}
	for _, s := range scenarios {
		r, err := runScenario(work, devrun, server, s, c)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		results[s.name] = r
		if !s.restart {
			baselineMax = r.Max()
		}
		fmt.Printf("%-38s %9d %8d %9s %9s %9s   %s\n", s.name, r.Requests(), r.Failures(),
			ms(r.Percentile(50)), ms(r.Percentile(99)), ms(r.Max()), r.FailureKinds())
	}
	o := results["--listen --overlap"]
	verdict := "yes"
	if o.Failures() > 0 || o.Max() > baselineMax+50*time.Millisecond {
		verdict = "no"
	}
	fmt.Printf("\n--overlap: 0 failed and max <= baseline max + 50 ms (%s): %s\n", ms(baselineMax+50*time.Millisecond), verdict)
	return nil
}

// runScenario starts devrun on the server, applies the load, restarts (or, for the baseline,
// waits as long as the restarts would), and stops everything.
func runScenario(work, devrun, server string, s scenario, c config) (testkit.LoadResult, error) {
	addr, err := freeAddr()
	if err != nil {
		return testkit.LoadResult{}, err
	}
	watched, err := os.MkdirTemp(work, "watched")
	if err != nil {
		return testkit.LoadResult{}, err
	}
	saved := filepath.Join(watched, "file.txt")
	if err := os.WriteFile(saved, []byte("0"), 0o644); err != nil {
		return testkit.LoadResult{}, err
	}
	ups, closeUps, sock, err := arrivals(work)
	if err != nil {
		return testkit.LoadResult{}, err
	}
	defer closeUps()

	args := []string{"-w", watched}
	if s.listen {
		args = append(args, "--listen", addr)
	}
	args = append(args, s.args...)
	args = append(args, "--", server, addr)
	if s.plainEnd {
		args = append(args, "plain")
	}
	cmd := exec.Command(devrun, args...)
	cmd.Env = append(os.Environ(), "BENCH_SOCK="+sock, "NO_COLOR=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return testkit.LoadResult{}, err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	fail := func(err error) (testkit.LoadResult, error) {
		return testkit.LoadResult{}, fmt.Errorf("%w; devrun said:\n%s", err, out.String())
	}
	if err := waitUp(ups, exited); err != nil {
		return fail(err)
	}

	l := startLoad(addr, c.workers)
	defer l.Stop()
	time.Sleep(c.settle)
	for i := 1; i <= c.restarts; i++ {
		if s.restart {
			if err := os.WriteFile(saved, []byte(fmt.Sprint(i)), 0o644); err != nil {
				return testkit.LoadResult{}, err
			}
			if err := waitUp(ups, exited); err != nil {
				return fail(fmt.Errorf("restart %d: %w", i, err))
			}
		}
		time.Sleep(c.settle)
	}
	return l.Stop(), nil
}

// freeAddr finds a loopback port nobody uses now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// arrivals listens where the servers report "up PID".
func arrivals(dir string) (<-chan string, func(), string, error) {
	sock := filepath.Join(dir, fmt.Sprintf("up-%d.sock", time.Now().UnixNano()))
	l, err := net.Listen("unix", sock)
	if err != nil {
		return nil, nil, "", err
	}
	ch := make(chan string, 64)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					ch <- sc.Text()
				}
			}()
		}
	}()
	return ch, func() { l.Close() }, sock, nil
}

func waitUp(ups <-chan string, exited <-chan struct{}) error {
	select {
	case <-ups:
		return nil
	case <-exited:
		return errors.New("devrun exited")
	case <-time.After(15 * time.Second):
		return errors.New("no server came up within 15s")
	}
}

// maxPerWorker bounds the run even if the restarts never end.
const maxPerWorker = 200000

// startLoad is the client: workers on 127.0.0.1, each sending one request at a time on a new
// connection, until stopped.
func startLoad(addr string, workers int) *testkit.Load {
	return testkit.StartLoad(workers, maxPerWorker, testkit.NewGetter("tcp", addr, 10*time.Second).Get)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
