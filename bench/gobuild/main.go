// Command gobuild measures devrun's Go mode on examples/hello:
//
//	go run ./bench/gobuild
//
// It copies the example into a temporary module (pointing at this repository), runs it under
// devrun, and times "main.go saved" to "the new binary answers HTTP", beside the build time
// devrun reports, so the difference is devrun's own overhead. Then it saves 5 times 100 ms
// apart while builds run and counts the builds that finish after the last save.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	saves := flag.Int("saves", 10, "saves to time")
	flag.Parse()
	if err := run(*saves); err != nil {
		fmt.Fprintln(os.Stderr, "bench/gobuild:", err)
		os.Exit(1)
	}
}

// devrunLog collects devrun's stderr lines and lets the bench wait for them.
type devrunLog struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

func (l *devrunLog) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l.mu.Lock()
		l.lines = append(l.lines, sc.Text())
		close(l.more)
		l.more = make(chan struct{})
		l.mu.Unlock()
	}
}

// waitMatch returns the first line from index from on that matches re.
func (l *devrunLog) waitMatch(from int, re *regexp.Regexp, timeout time.Duration) (string, int, error) {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		for i := from; i < len(l.lines); i++ {
			if re.MatchString(l.lines[i]) {
				line := l.lines[i]
				l.mu.Unlock()
				return line, i + 1, nil
			}
		}
		more := l.more
		l.mu.Unlock()
		select {
		case <-more:
		case <-deadline:
			return "", from, fmt.Errorf("devrun never printed %v", re)
		}
	}
}

func (l *devrunLog) count(from int, s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines[from:] {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

func (l *devrunLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

func run(saves int) error {
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(repo, "examples/hello/main.go"))
	if err != nil {
		return fmt.Errorf("run this from the repository root: %w", err)
	}
	work, err := os.MkdirTemp("", "devrun-gobuild")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	devrun := filepath.Join(work, "devrun")
	if out, err := exec.Command("go", "build", "-o", devrun, "./cmd/devrun").CombinedOutput(); err != nil {
		return fmt.Errorf("building devrun: %v\n%s", err, out)
	}
	app := filepath.Join(work, "app")
	os.MkdirAll(app, 0o755)
	gomod := fmt.Sprintf("module example.com/app\n\ngo 1.25\n\nrequire github.com/devrun-dev/devrun v0.0.0\n\nreplace github.com/devrun-dev/devrun => %s\n", repo)
	os.WriteFile(filepath.Join(app, "go.mod"), []byte(gomod), 0o644)
	mainGo := filepath.Join(app, "main.go")
	os.WriteFile(mainGo, src, 0o644)
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = app
	if out, err := tidy.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod tidy: %v\n%s", err, out)
	}

	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(devrun, "-v", ".")
	cmd.Dir = app
	cmd.Env = append(os.Environ(), "ADDR="+addr, "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, _ := cmd.StderrPipe()
	log := &devrunLog{more: make(chan struct{})}
	go log.read(stderr)
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
	}()
	if _, err := waitBody(addr, "Hello from devrun!", 60*time.Second); err != nil {
		return err
	}

	buildOK := regexp.MustCompile(`build ok in (\S+)`)
	var totals, builds []time.Duration
	for i := 0; i < saves; i++ {
		greeting := fmt.Sprintf("Hello number %d", i)
		from := log.len()
		start := time.Now()
		os.WriteFile(mainGo, []byte(strings.Replace(string(src), "Hello from devrun!", greeting, 1)), 0o644)
		total, err := waitBody(addr, greeting, 60*time.Second)
		if err != nil {
			return err
		}
		line, _, err := log.waitMatch(from, buildOK, 10*time.Second)
		if err != nil {
			return err
		}
		b, _ := time.ParseDuration(buildOK.FindStringSubmatch(line)[1])
		totals = append(totals, total.Sub(start))
		builds = append(builds, b)
		time.Sleep(200 * time.Millisecond)
	}
	sort.Slice(totals, func(i, j int) bool { return totals[i] < totals[j] })
	sort.Slice(builds, func(i, j int) bool { return builds[i] < builds[j] })
	overhead := make([]time.Duration, len(totals))
	for i := range totals {
		overhead[i] = totals[i] - builds[i]
	}
	sort.Slice(overhead, func(i, j int) bool { return overhead[i] < overhead[j] })
	fmt.Printf("examples/hello, %d saves: save -> new binary answers HTTP, median %v; devrun's build time, median %v; the rest (debounce, stop, start, listen), median %v\n",
		saves, totals[len(totals)/2].Round(time.Millisecond), builds[len(builds)/2].Round(time.Millisecond), overhead[len(overhead)/2].Round(time.Millisecond))

	// 5 saves 100 ms apart while building: every build but the last is cancelled.
	from := log.len()
	last := ""
	for i := 0; i < 5; i++ {
		last = fmt.Sprintf("Burst %d", i)
		os.WriteFile(mainGo, []byte(strings.Replace(string(src), "Hello from devrun!", last, 1)), 0o644)
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := waitBody(addr, last, 60*time.Second); err != nil {
		return err
	}
	time.Sleep(time.Second) // anything still pending would show now
	fmt.Printf("5 saves 100 ms apart: %d builds finished, %d cancelled, serving the last save's version\n",
		log.count(from, "build ok"), log.count(from, "build cancelled"))
	return nil
}

// waitBody polls the server until its answer contains want; it returns when it did.
func waitBody(addr, want string, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), want) {
				return time.Now(), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("the server never answered %q", want)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
