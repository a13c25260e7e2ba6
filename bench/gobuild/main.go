// Command gobuild measures devrun's Go mode on examples/hello:
//
//	go run ./bench/gobuild
//
// It copies the example into two temporary modules (pointing at this repository) and times
// "main.go saved" to "the new binary answers HTTP" side by side, save after save in turn:
//
//   - plain: go build -o BIN . (go's defaults), SIGTERM the old server, wait, start the new one;
//   - the same with devrun's -ldflags=-w, which tells the linker's share from devrun's own;
//   - devrun: devrun . with its defaults, which rebuilt it on its own.
//
// Then it rewords a comment (no line added or removed) a few times and counts devrun's
// restarts, reports the time go list took to compute the watch set after each build (off the
// path from save to serving), and saves 5 times 100 ms apart while builds run and counts the
// builds that finish after the last save.
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

	"github.com/devrun-dev/devrun/bench/internal/benchkit"
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
	work, devrun, err := benchkit.Work("devrun-gobuild")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	plainApp, err := copyApp(work, "plain", repo, src)
	if err != nil {
		return err
	}
	app, err := copyApp(work, "app", repo, src)
	if err != nil {
		return err
	}
	mainGo := filepath.Join(app, "main.go")

	plain, err := startPlain(plainApp)
	if err != nil {
		return err
	}
	defer plain.stop()
	// The same with devrun's link flag, to tell the linker's share from devrun's own.
	plainWApp, err := copyApp(work, "plain-w", repo, src)
	if err != nil {
		return err
	}
	plainW, err := startPlain(plainWApp, "-ldflags=-w")
	if err != nil {
		return err
	}
	defer plainW.stop()

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
	var totals, builds, plainTotals, plainBuilds, wTotals, wBuilds []time.Duration
	devrunSave := func(i int) error {
		greeting := fmt.Sprintf("Hello number %d", i)
		from := log.len()
		start := time.Now()
		os.WriteFile(mainGo, []byte(strings.Replace(string(src), "Hello from devrun!", greeting, 1)), 0o644)
		// Poll only once the build is over, as for the plain sides: a server polled every
		// millisecond would take CPU from the build on a small machine.
		line, _, err := log.waitMatch(from, buildOK, 60*time.Second)
		if err != nil {
			return err
		}
		total, err := waitBody(addr, greeting, 60*time.Second)
		if err != nil {
			return err
		}
		b, _ := time.ParseDuration(buildOK.FindStringSubmatch(line)[1])
		totals = append(totals, total.Sub(start))
		builds = append(builds, b)
		// Let the watch set's go list finish: it is not part of what is measured.
		_, _, err = log.waitMatch(from, regexp.MustCompile(`watching \d+ files`), 10*time.Second)
		return err
	}
	plainSave := func(i int) error {
		t, b, err := plain.save(src, fmt.Sprintf("Plain number %d", i))
		plainTotals, plainBuilds = append(plainTotals, t), append(plainBuilds, b)
		return err
	}
	plainWSave := func(i int) error {
		t, b, err := plainW.save(src, fmt.Sprintf("Plain-w number %d", i))
		wTotals, wBuilds = append(wTotals, t), append(wBuilds, b)
		return err
	}
	sides := []func(int) error{plainSave, plainWSave, devrunSave}
	for i := 0; i < saves; i++ {
		// The same change to each side in turn, starting with another side each time, so that
		// all see the same machine and none always comes first.
		for k := range sides {
			if err := sides[(i+k)%len(sides)](i); err != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	dm, pm := median(totals), median(plainTotals)
	fmt.Printf("examples/hello, %d saves each, in turn: save -> new binary answers HTTP\n", saves)
	fmt.Printf("  plain go build + restart: median %v (go build %v)\n", pm.Round(time.Millisecond), median(plainBuilds).Round(time.Millisecond))
	fmt.Printf("  plain go build -ldflags=-w + restart: median %v (go build %v)\n", median(wTotals).Round(time.Millisecond), median(wBuilds).Round(time.Millisecond))
	fmt.Printf("  devrun, defaults:         median %v (go build -ldflags=-w %v; the rest: debounce, compare, stop, start, listen %v)\n",
		dm.Round(time.Millisecond), median(builds).Round(time.Millisecond), medianDiff(totals, builds).Round(time.Millisecond))
	fmt.Printf("  devrun / plain: %.2fx\n", float64(dm)/float64(pm))

	// Reworded comments: devrun rebuilds, finds the same binary and keeps the program.
	from := log.len()
	current, _ := os.ReadFile(mainGo)
	const rewords = 5
	for i := 0; i < rewords; i++ {
		reworded := strings.Replace(string(current), "// Command hello is the first program", fmt.Sprintf("// Command hello (take %d) is the first program", i), 1)
		os.WriteFile(mainGo, []byte(reworded), 0o644)
		if _, _, err := log.waitMatch(log.len(), regexp.MustCompile(`no change in the binary|started \(pid`), 30*time.Second); err != nil {
			return err
		}
	}
	fmt.Printf("%d comments reworded: %d restarts, %d \"no change in the binary\"\n",
		rewords, log.count(from, "started (pid"), log.count(from, "no change in the binary"))

	listTook := regexp.MustCompile(`go list took (\S+)\)`)
	var lists []time.Duration
	log.mu.Lock()
	for _, l := range log.lines {
		if m := listTook.FindStringSubmatch(l); m != nil {
			d, _ := time.ParseDuration(m[1])
			lists = append(lists, d)
		}
	}
	log.mu.Unlock()
	if len(lists) > 0 {
		fmt.Printf("watch set (go list -deps after each build, off the save -> serving path): median %v over %d builds\n", median(lists).Round(time.Millisecond), len(lists))
	}

	// 5 saves 100 ms apart while building: every build but the last is cancelled.
	from = log.len()
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

// copyApp writes examples/hello as the module example.com/app in work/name.
func copyApp(work, name, repo string, src []byte) (string, error) {
	app := filepath.Join(work, name)
	os.MkdirAll(app, 0o755)
	gomod := fmt.Sprintf("module example.com/app\n\ngo 1.25\n\nrequire github.com/devrun-dev/devrun v0.0.0\n\nreplace github.com/devrun-dev/devrun => %s\n", repo)
	os.WriteFile(filepath.Join(app, "go.mod"), []byte(gomod), 0o644)
	os.WriteFile(filepath.Join(app, "main.go"), src, 0o644)
	if err := copyTemplates(repo, app); err != nil {
		return "", err
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = app
	if out, err := tidy.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go mod tidy: %v\n%s", err, out)
	}
	return app, nil
}

// plainRun is the alternative without devrun: go build, then stop the old server and start
// the new one, as a script or a careful human would.
type plainRun struct {
	app, bin, addr string
	flags          []string
	cmd            *exec.Cmd
}

func startPlain(app string, flags ...string) (*plainRun, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &plainRun{app: app, bin: filepath.Join(app, "server"), addr: fmt.Sprintf("127.0.0.1:%d", port), flags: flags}
	if err := p.build(); err != nil {
		return nil, err
	}
	if err := p.start(); err != nil {
		return nil, err
	}
	_, err = waitBody(p.addr, "Hello from devrun!", 60*time.Second)
	return p, err
}

func (p *plainRun) build() error {
	cmd := exec.Command("go", append(append([]string{"build", "-o", p.bin}, p.flags...), ".")...)
	cmd.Dir = p.app
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("plain go build: %v\n%s", err, out)
	}
	return nil
}

func (p *plainRun) start() error {
	p.cmd = exec.Command(p.bin)
	p.cmd.Dir = p.app
	p.cmd.Env = append(os.Environ(), "ADDR="+p.addr)
	return p.cmd.Start()
}

func (p *plainRun) stop() {
	if p.cmd != nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.cmd.Wait()
	}
}

// save writes the change, builds, restarts and waits for the new text: the whole time, and
// go build's.
func (p *plainRun) save(src []byte, greeting string) (total, build time.Duration, err error) {
	start := time.Now()
	os.WriteFile(filepath.Join(p.app, "main.go"), []byte(strings.Replace(string(src), "Hello from devrun!", greeting, 1)), 0o644)
	if err := p.build(); err != nil {
		return 0, 0, err
	}
	build = time.Since(start)
	p.stop()
	if err := p.start(); err != nil {
		return 0, 0, err
	}
	served, err := waitBody(p.addr, greeting, 60*time.Second)
	return served.Sub(start), build, err
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func medianDiff(a, b []time.Duration) time.Duration {
	d := make([]time.Duration, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return median(d)
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

// copyTemplates copies the example's templates/ folder, which its main.go embeds.
func copyTemplates(repo, app string) error {
	return os.CopyFS(filepath.Join(app, "templates"), os.DirFS(filepath.Join(repo, "examples/hello/templates")))
}
