package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	sess "github.com/devrun-dev/devrun/session"
)

// pageProgram serves an HTML page with TEXT in its h1 and an embedded stylesheet, on the
// socket devrun holds (LISTEN_FDS), else on a port of its own choosing; it stops gracefully
// on SIGTERM.
const pageProgram = `package main

import (
	"context"
	"embed"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

//go:embed style.css
var static embed.FS

const text = "TEXT"

func main() {
	var ln net.Listener
	var err error
	if os.Getenv("LISTEN_FDS") != "" {
		ln, err = net.FileListener(os.NewFile(3, "listen"))
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/style.css", http.FileServerFS(static))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><html><head><link rel=stylesheet href=/style.css></head><body><h1>%s</h1></body></html>", text)
	})
	srv := &http.Server{Handler: mux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		srv.Shutdown(context.Background())
	}()
	srv.Serve(ln)
}
`

type pageApp struct {
	dir string
	d   *devrunProc
	url string // the proxy's
}

func (a *pageApp) setText(t *testing.T, text string) {
	writeFile(t, filepath.Join(a.dir, "main.go"), strings.Replace(pageProgram, "TEXT", text, 1))
}

func (a *pageApp) setColor(t *testing.T, color string) {
	writeFile(t, filepath.Join(a.dir, "style.css"), "h1 { color: "+color+"; }\n")
}

// startPageApp runs pageProgram under devrun --browser (on a free port) and args.
func startPageApp(t *testing.T, text string, args ...string) *pageApp {
	a := &pageApp{dir: writeGoModule(t, "")}
	a.setText(t, text)
	a.setColor(t, "rgb(255, 0, 0)")
	a.d = startDevrun(t, a.dir, nil, append(append([]string{"-v", "--browser=127.0.0.1:0"}, args...), ".")...)
	a.d.stderr.WaitFor(t, " → 127.0.0.1:")
	m := regexp.MustCompile(`browser: (http://127\.0\.0\.1:\d+) → 127\.0\.0\.1:\d+`).FindStringSubmatch(a.d.stderr.String())
	if m == nil {
		t.Fatalf("no browser URL in:\n%s", a.d.stderr.String())
	}
	a.url = m[1]
	return a
}

// pageState is what the proxy's event stream says.
type pageState struct {
	Gen    int    `json:"gen"`
	Styles bool   `json:"styles"`
	Phase  string `json:"phase"`
	Output string `json:"output"`
}

// TestBrowserProxyOverHTTP checks, without a browser, what the page script relies on: the
// script in the page, and the event stream through a change, a failed build and its fix.
func TestBrowserProxyOverHTTP(t *testing.T) {
	t.Parallel()
	a := startPageApp(t, "first", "--listen", "127.0.0.1:0")
	resp, err := http.Get(a.url + "/__devrun/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	until := func(what string, ok func(pageState) bool) pageState {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v\n%s", what, err, a.d.stderr.String())
			}
			var st pageState
			if data, found := strings.CutPrefix(line, "data: "); found {
				if err := json.Unmarshal([]byte(data), &st); err != nil {
					t.Fatal(err)
				}
				if ok(st) {
					return st
				}
			}
		}
	}
	first := until("ready", func(st pageState) bool { return st.Phase == "ready" })
	page := getPage(t, a.url)
	if !strings.Contains(page, "<h1>first</h1><script src=\"/__devrun/reload.js\"") {
		t.Fatalf("page without the script: %s", page)
	}

	a.setText(t, "second")
	until("the next generation", func(st pageState) bool { return st.Phase == "ready" && st.Gen > first.Gen })
	if page := getPage(t, a.url); !strings.Contains(page, "<h1>second</h1>") {
		t.Fatalf("after the change: %s", page)
	}

	writeFile(t, filepath.Join(a.dir, "main.go"), "package main\n\nfunc main() { nope() }\n")
	failed := until("the failed build", func(st pageState) bool { return st.Phase == "failed" && strings.Contains(st.Output, "undefined: nope") })
	if !strings.Contains(failed.Output, "main.go:3:") {
		t.Fatalf("no file:line in the overlay's output: %q", failed.Output)
	}
	a.setText(t, "third")
	until("the fixed build", func(st pageState) bool { return st.Phase == "ready" && st.Gen > failed.Gen })
	if page := getPage(t, a.url); !strings.Contains(page, "<h1>third</h1>") {
		t.Fatalf("after the fix: %s", page)
	}

	// A crash right after start: its last output is the overlay.
	writeFile(t, filepath.Join(a.dir, "main.go"), "package main\n\nimport \"os\"\n\nfunc main() { os.Stderr.WriteString(\"cannot open the database\\n\"); os.Exit(3) }\n")
	crashed := until("the crash", func(st pageState) bool {
		return st.Phase == "crashed" && strings.Contains(st.Output, "cannot open the database")
	})
	a.setText(t, "fourth")
	until("the fixed program", func(st pageState) bool { return st.Phase == "ready" && st.Gen > crashed.Gen })
	if page := getPage(t, a.url); !strings.Contains(page, "<h1>fourth</h1>") {
		t.Fatalf("after the crash: %s", page)
	}
	if !strings.Contains(a.d.stderr.String(), "browser: reloading: new program ready") {
		t.Fatalf("-v does not say why the page reloads:\n%s", a.d.stderr.String())
	}
}

func getPage(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// TestBrowserFindsThePort runs a program that opens a port of its own (a new one at each
// start): without --listen or --browser-to, the proxy follows it.
func TestBrowserFindsThePort(t *testing.T) {
	if !sess.CanFindPorts {
		t.Skip("finding a program's port needs /proc")
	}
	t.Parallel()
	a := startPageApp(t, "first")
	if page := getPage(t, a.url); !strings.Contains(page, "<h1>first</h1><script") {
		t.Fatalf("first page: %s", page)
	}
	a.setText(t, "second")
	for {
		// The found port changes with the program; once the new one is up, the proxy uses it.
		if page := getPage(t, a.url); strings.Contains(page, "<h1>second</h1>") {
			break
		}
		a.d.stderr.WaitChange(t)
	}
}

// Bad browser settings are bad input, reported before anything starts.
func TestBrowserBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "two"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "two", "devrun.toml"), "browser = \"127.0.0.1:0\"\nbrowser_to = \"127.0.0.1:9\"\n[process.a]\nrun = \"sleep\"\nargs = [\"100\"]\n[process.b]\nrun = \"sleep\"\nargs = [\"100\"]\n")
	cases := []struct {
		dir  string
		args []string
		want string
	}{
		{dir, []string{"--browser=nonsense", "--browser-to", "127.0.0.1:9", "--", "true"}, "nonsense"},
		{dir, []string{"--browser=127.0.0.1:0", "--browser-to", "nonsense", "--", "true"}, "is not host:port"},
		{dir, []string{"--browser=127.0.0.1:0", "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0", "--", "true"}, "give --browser-to"},
		{filepath.Join(dir, "two"), nil, "already the proxy of a"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			d := startDevrun(t, c.dir, nil, c.args...)
			if code := d.wait(t); code != 2 {
				t.Fatalf("exit status %d, want 2; output:\n%s", code, d.stderr.String())
			}
			if out := d.stderr.String(); !strings.Contains(out, c.want) {
				t.Fatalf("want a line containing %q, got:\n%s", c.want, out)
			}
		})
	}
}
