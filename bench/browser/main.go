// Command browser measures devrun's reload proxy (--browser) beside air's proxy, on
// examples/hello, in one run:
//
//	go run ./bench/browser [-saves 20] [-requests 2000]
//
// For each runner it measures the proxy's added latency (GET of the page through the proxy
// against GET of the program directly, interleaved, one keep-alive connection each), then
// opens the proxied page in headless chromium and times "main.go saved" to "the page shows
// the new text", with the page reloading by itself; every page load that fails (an error
// status or a network error) is counted. Runners: devrun --listen --browser; devrun --browser
// --browser-to (no held socket); air with [proxy] when air is installed
// (go install github.com/air-verse/air@latest).
package main

import (
	"context"
	"errors"
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
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/devrun-dev/devrun/bench/internal/benchkit"
)

const original = "Hello from devrun!"

func main() {
	saves := flag.Int("saves", 20, "saves to time per runner")
	requests := flag.Int("requests", 2000, "requests per side for the added latency")
	flag.Parse()
	if err := run(*saves, *requests); err != nil {
		fmt.Fprintln(os.Stderr, "bench/browser:", err)
		os.Exit(1)
	}
}

type runnerSpec struct {
	name  string
	start func(app, appAddr, proxyAddr string) *exec.Cmd
}

func run(saves, requests int) error {
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	chromium := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		return errors.New("no chromium on PATH (apt-get install -y chromium)")
	}
	work, devrun, err := benchkit.Work("devrun-browser-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	src, err := os.ReadFile(filepath.Join(repo, "examples/hello/main.go"))
	if err != nil {
		return fmt.Errorf("run this from the repository root: %w", err)
	}
	app := filepath.Join(work, "app")
	os.MkdirAll(app, 0o755)
	gomod := fmt.Sprintf("module example.com/app\n\ngo 1.25\n\nrequire github.com/devrun-dev/devrun v0.0.0\n\nreplace github.com/devrun-dev/devrun => %s\n", repo)
	os.WriteFile(filepath.Join(app, "go.mod"), []byte(gomod), 0o644)
	mainGo := filepath.Join(app, "main.go")
	os.WriteFile(mainGo, src, 0o644)
	// main.go embeds its page template.
	if err := os.CopyFS(filepath.Join(app, "templates"), os.DirFS(filepath.Join(repo, "examples/hello/templates"))); err != nil {
		return err
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = app
	if out, err := tidy.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod tidy: %v\n%s", err, out)
	}

	runners := []runnerSpec{
		{"devrun --listen --browser", func(app, appAddr, proxyAddr string) *exec.Cmd {
			return exec.Command(devrun, "--listen", appAddr, "--browser="+proxyAddr, ".")
		}},
		{"devrun --browser --browser-to (no --listen)", func(app, appAddr, proxyAddr string) *exec.Cmd {
			return exec.Command(devrun, "--browser="+proxyAddr, "--browser-to", appAddr, ".")
		}},
	}
	air := findAir()
	if air != "" {
		runners = append(runners, runnerSpec{"air [proxy]", func(app, appAddr, proxyAddr string) *exec.Cmd {
			_, appPort, _ := net.SplitHostPort(appAddr)
			_, proxyPort, _ := net.SplitHostPort(proxyAddr)
			// air's defaults, but the quiet time devrun uses in Go mode (air's default is 1 s).
			conf := fmt.Sprintf("root = \".\"\ntmp_dir = \"tmp\"\n[build]\ncmd = \"go build -o ./tmp/main .\"\nbin = \"./tmp/main\"\ninclude_ext = [\"go\"]\ndelay = 10\n[proxy]\nenabled = true\nproxy_port = %s\napp_port = %s\n", proxyPort, appPort)
			os.WriteFile(filepath.Join(app, ".air.toml"), []byte(conf), 0o644)
			return exec.Command(air, "-c", ".air.toml")
		}})
	} else {
		fmt.Println("air not found (go install github.com/air-verse/air@latest): measuring devrun only")
	}

	for _, r := range runners {
		os.WriteFile(mainGo, src, 0o644)
		if err := measure(r, app, mainGo, string(src), chromium, saves, requests); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
	}
	return nil
}

func findAir() string {
	if p, err := exec.LookPath("air"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "air")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func measure(r runnerSpec, app, mainGo, src, chromium string, saves, requests int) error {
	appAddr, proxyAddr := freeAddr(), freeAddr()
	cmd := r.start(app, appAddr, proxyAddr)
	cmd.Dir = app
	cmd.Env = append(os.Environ(), "ADDR="+appAddr, "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logFile, _ := os.Create(filepath.Join(app, "runner.log"))
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
	}()
	if err := waitBody("http://"+proxyAddr+"/", original, 60*time.Second); err != nil {
		log, _ := os.ReadFile(logFile.Name())
		return fmt.Errorf("%v\n%s", err, log)
	}

	direct, proxied := latency("http://"+appAddr+"/", "http://"+proxyAddr+"/", requests)
	fmt.Printf("%s: GET of the page, %d each: direct median %v p90 %v; through the proxy median %v p90 %v; added (median) %v\n",
		r.name, requests, pct(direct, 50), pct(direct, 90), pct(proxied, 50), pct(proxied, 90), pct(proxied, 50)-pct(direct, 50))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	profile, _ := os.MkdirTemp("", "devrun-bench-chromium")
	defer os.RemoveAll(profile)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(profile))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	pl := &pageLoads{loaded: make(chan time.Time, 64)}
	if err := chromedp.Listen(bctx, pl.observe); err != nil {
		return err
	}
	if _, err := chromedp.Run(bctx, chromedp.Navigate("http://"+proxyAddr+"/")); err != nil {
		return err
	}
	time.Sleep(time.Second) // let the page's script connect (air's has no observable sign)
	drain(pl.loaded)

	var took []time.Duration
	missed := 0
	for i := 0; i < saves; i++ {
		greeting := fmt.Sprintf("Hello number %d", i)
		start := time.Now()
		os.WriteFile(mainGo, []byte(strings.Replace(src, original, greeting, 1)), 0o644)
		at, ok := waitText(bctx, pl, greeting, 30*time.Second)
		if !ok {
			missed++
			continue
		}
		took = append(took, at.Sub(start))
		time.Sleep(300 * time.Millisecond)
		drain(pl.loaded)
	}
	loads, failed := pl.counts()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	fmt.Printf("%s: save -> new text in chromium, %d saves: median %v, p90 %v, max %v; page loads %d, failed %d; saves never shown %d\n",
		r.name, saves, pct(took, 50), pct(took, 90), pct(took, 100), loads, len(failed), missed)
	for _, f := range failed {
		fmt.Printf("  failed load: %s\n", f)
	}
	return nil
}

// waitText waits for a page load whose text has want; it returns when that load happened.
func waitText(ctx context.Context, pl *pageLoads, want string, timeout time.Duration) (time.Time, bool) {
	deadline := time.After(timeout)
	for {
		select {
		case at := <-pl.loaded:
			text, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
			if err == nil && strings.Contains(text, want) {
				return at, true
			}
		case <-deadline:
			return time.Time{}, false
		}
	}
}

type pageLoads struct {
	loaded chan time.Time
	mu     sync.Mutex
	loads  int
	failed []string
}

func (p *pageLoads) observe(ev any) {
	switch ev := ev.(type) {
	case *page.EventLoadEventFired:
		select {
		case p.loaded <- time.Now():
		default:
		}
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument {
			p.mu.Lock()
			p.loads++
			if ev.Response.Status >= 400 {
				p.failed = append(p.failed, fmt.Sprintf("status %d", ev.Response.Status))
			}
			p.mu.Unlock()
		}
	case *network.EventLoadingFailed:
		if ev.Type == network.ResourceTypeDocument {
			p.mu.Lock()
			p.failed = append(p.failed, ev.ErrorText)
			p.mu.Unlock()
		}
	}
}

func (p *pageLoads) counts() (int, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.loads, append([]string(nil), p.failed...)
}

func drain(c chan time.Time) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// latency times GETs of the same page directly and through the proxy, alternating in
// batches so that both see the same machine.
func latency(direct, proxied string, n int) (d, p []time.Duration) {
	cd := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	cp := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	get := func(c *http.Client, url string) time.Duration {
		start := time.Now()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := c.Do(req)
		if err != nil {
			return time.Hour
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start)
	}
	for i := 0; i < 100; i++ { // warm up both paths
		get(cd, direct)
		get(cp, proxied)
	}
	for len(d) < n {
		for i := 0; i < 50 && len(d) < n; i++ {
			d = append(d, get(cd, direct))
		}
		for i := 0; i < 50 && len(p) < n; i++ {
			p = append(p, get(cp, proxied))
		}
	}
	return d, p
}

func pct(ds []time.Duration, q int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s) - 1) * q / 100
	return s[i].Round(time.Microsecond)
}

func waitBody(url, want string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), want) {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s never answered %q", url, want)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}
