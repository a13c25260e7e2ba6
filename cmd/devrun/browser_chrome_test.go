package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// findChromium is Debian's chromium (.ci/run installs it) or another Chrome on PATH.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// loads records the page loads the browser made: each document response and failure.
type loads struct {
	mu       sync.Mutex
	count    int
	failures []string
	changed  chan struct{}
}

func (l *loads) observe(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventResponseReceived:
		if ev.Type != network.ResourceTypeDocument {
			return
		}
		l.count++
		if ev.Response.Status >= 400 {
			l.failures = append(l.failures, fmt.Sprintf("%s: %d", ev.Response.URL, ev.Response.Status))
		}
	case *network.EventLoadingFailed:
		if ev.Type == network.ResourceTypeDocument {
			l.failures = append(l.failures, ev.ErrorText)
		}
	case *page.EventLoadEventFired:
	default:
		return
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *loads) snapshot() (int, []string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count, append([]string(nil), l.failures...), l.changed
}

// TestBrowserReloadsInChromium drives a real headless chromium: the page follows edits by
// itself, shows a failed build as an overlay, and takes a CSS change without a reload.
func TestBrowserReloadsInChromium(t *testing.T) {
	t.Parallel()
	chromium := findChromium()
	if chromium == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium; .ci/run does it as root); TestBrowserProxyOverHTTP covers the proxy without it")
	}
	a := startPageApp(t, "first", "--listen", "127.0.0.1:0")

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	l := &loads{changed: make(chan struct{})}
	if err := chromedp.Listen(bctx, l.observe); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Navigate(a.url)); err != nil {
		t.Fatalf("open %s: %v", a.url, err)
	}
	js := func(expr string) string {
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](expr))
		if err != nil {
			return "error: " + err.Error() // between two pages; the next load retries
		}
		return s
	}
	// waitJS waits until expr evaluates to want, checking after every page load and
	// otherwise every 50 ms (the page's DOM changes without a load for the overlay and CSS).
	waitJS := func(what, expr, want string) {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for {
			_, _, changed := l.snapshot()
			got := js(expr)
			if got == want {
				return
			}
			select {
			case <-changed:
			case <-time.After(50 * time.Millisecond):
			case <-deadline:
				t.Fatalf("%s: %s is %q, want %q\ndevrun:\n%s", what, expr, got, want, a.d.stderr.String())
			}
		}
	}
	const h1 = `document.querySelector("h1") ? document.querySelector("h1").textContent : ""`
	const overlay = `document.getElementById("__devrun_overlay") ? document.getElementById("__devrun_overlay").textContent : "none"`
	waitJS("first page", h1, "first")
	// The script has the event stream open before the edit, or the edit could go unseen.
	waitJS("event stream", `String(window.__devrunConnected)`, "true")
	startLoads, _, _ := l.snapshot()

	a.setText(t, "second")
	waitJS("the edit", h1, "second")
	if n, _, _ := l.snapshot(); n <= startLoads {
		t.Fatalf("the new text came without a page load (%d loads)", n)
	}

	// An error message with markup in it: shown as text, never as HTML.
	broken := strings.Replace(pageProgram, `const text = "TEXT"`, `const text = 1 < "<i>x</i>"`, 1)
	writeFile(t, filepath.Join(a.dir, "main.go"), broken)
	waitJS("the overlay", `String(document.getElementById("__devrun_overlay") !== null && document.getElementById("__devrun_overlay").textContent.includes("main.go:"))`, "true")
	text := js(overlay)
	if !strings.Contains(text, `"<i>x</i>"`) || !strings.Contains(text, "build failed") {
		t.Fatalf("overlay: %q", text)
	}
	if js(`String(document.querySelector("#__devrun_overlay i") === null)`) != "true" {
		t.Fatalf("the compiler's output was interpreted as HTML")
	}
	if js(h1) != "second" {
		t.Fatalf("the failed build replaced the page")
	}

	a.setText(t, "third")
	waitJS("the fix", h1, "third")
	waitJS("the overlay gone", overlay, "none")

	// A CSS change: the style changes, the page does not load again.
	loadsBefore, _, _ := l.snapshot()
	js(`window.devrunMarker = "kept"; "ok"`)
	waitJS("red first", `getComputedStyle(document.querySelector("h1")).color`, "rgb(255, 0, 0)")
	a.setColor(t, "rgb(0, 0, 255)")
	waitJS("the new style", `getComputedStyle(document.querySelector("h1")).color`, "rgb(0, 0, 255)")
	if js(`String(window.devrunMarker)`) != "kept" {
		t.Fatalf("the page loaded again for a CSS change")
	}
	if n, _, _ := l.snapshot(); n != loadsBefore {
		t.Fatalf("%d page loads for a CSS change", n-loadsBefore)
	}
	if !strings.Contains(a.d.stderr.String(), "swapping stylesheets") {
		t.Fatalf("-v does not say the stylesheets were swapped")
	}

	// devrun itself restarts (same proxy address): the page reconnects and shows the new
	// devrun's program by itself.
	a.d.interrupt(t)
	a.setText(t, "fourth")
	addr := strings.TrimPrefix(a.url, "http://")
	a.d = startDevrun(t, a.dir, nil, "-v", "--browser="+addr, "--listen", "127.0.0.1:0", ".")
	waitJS("after devrun restarted", h1, "fourth")

	if _, failures, _ := l.snapshot(); len(failures) > 0 {
		t.Fatalf("page loads failed: %v", failures)
	}
}
