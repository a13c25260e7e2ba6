// Command reload measures a template edit reaching the page through the program's handler
// against through a restart of the same program, in one run:
//
//	go run ./bench/reload
//
// It builds devrun and bench/reload/app, then runs the app under devrun twice in a temporary
// folder: once taking page.html edits through childrpc.HandleChanges, once restarted for them
// (the app reads its template at start, as most web apps do). Each save writes a new marker
// into the template, and the time is save -> an HTTP GET returns the marker. With --listen, no
// request fails while the restart happens. Last, 5 saves 20 ms apart must cost one handler call.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/bench/internal/benchkit"
)

func main() {
	saves := flag.Int("saves", 20, "saves to time in each mode")
	flag.StringVar(&delay, "delay", "", "devrun's --delay for the timed saves (default: devrun's)")
	flag.Parse()
	if err := run(*saves); err != nil {
		fmt.Fprintln(os.Stderr, "bench/reload:", err)
		os.Exit(1)
	}
}

// delay is devrun's --delay, "" for its default.
var delay string

func run(saves int) error {
	tmp, devrun, err := benchkit.Work("devrun-bench-reload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	app := filepath.Join(tmp, "app")
	if err := benchkit.Build(app, "./bench/reload/app"); err != nil {
		return err
	}
	var medians []time.Duration
	for _, mode := range []string{"handler", "restart"} {
		d, calls, err := measure(devrun, app, tmp, mode, saves)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		medians = append(medians, d)
		fmt.Printf("%-8s template save -> new page text: median %v over %d saves (handler calls: %d)\n", mode, d, saves, calls)
	}
	fmt.Printf("devrun --delay %s: ", map[bool]string{true: "default (22ms)", false: delay}[delay == ""])
	fmt.Printf("the handler path takes %.1f%% of the restart path's time\n", 100*float64(medians[0])/float64(medians[1]))
	return nil
}

// measure runs the app under devrun in mode and times saves; in handler mode it then checks
// that a burst of 5 saves 20 ms apart costs one call.
func measure(devrun, app, tmp, mode string, saves int) (time.Duration, int64, error) {
	dir := filepath.Join(tmp, mode)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	page := filepath.Join(dir, "page.html")
	write := func(marker string) error { return os.WriteFile(page, []byte("<p>"+marker+"</p>\n"), 0o644) }
	if err := write("start"); err != nil {
		return 0, 0, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	addr := l.Addr().String()
	l.Close()
	name := "bench-reload-" + mode
	args := []string{"--name", name, "-q", "--listen", addr, "--env", "RELOAD=" + mode, "--env", "ADDR=" + addr}
	if delay != "" {
		args = append(args, "--delay", delay)
	}
	cmd := exec.Command(devrun, append(args, "--", app)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	if _, err := waitBody(addr, "start", 30*time.Second); err != nil {
		return 0, 0, err
	}
	if mode == "handler" { // the program must have said hello before its rule counts
		if err := waitCalls(devrun, name, 10*time.Second); err != nil {
			return 0, 0, err
		}
	}
	var times []time.Duration
	for i := range saves {
		marker := fmt.Sprintf("save-%d", i)
		start := time.Now()
		if err := write(marker); err != nil {
			return 0, 0, err
		}
		if _, err := waitBody(addr, marker, 30*time.Second); err != nil {
			return 0, 0, err
		}
		times = append(times, time.Since(start))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	var calls int64
	if mode == "handler" && delay == "" {
		before, _ := callCount(devrun, name)
		for i := range 5 {
			write(fmt.Sprintf("burst-%d", i))
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := waitBody(addr, "burst-4", 30*time.Second); err != nil {
			return 0, 0, err
		}
		after, _ := callCount(devrun, name)
		fmt.Printf("handler  a burst of 5 saves 20 ms apart: %d handler call(s)\n", after-before)
		calls = after
	}
	return times[len(times)/2], calls, nil
}

func waitBody(addr, want string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), want) {
				return string(b), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return "", fmt.Errorf("the page never showed %q", want)
}

func callCount(devrun, name string) (int64, error) {
	out, err := exec.Command(devrun, "send", "-n", name, "--raw", "calls").Output()
	if err != nil {
		return 0, err
	}
	var n int64
	err = json.Unmarshal(out, &n)
	return n, err
}

func waitCalls(devrun, name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := callCount(devrun, name); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("the program never answered calls")
}
