package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// reloadChild takes template changes through childrpc.HandleChanges and config changes
// through a handler a devrun.toml rule names; it reports each call, SIGHUP, and the
// DEVRUN_CHANGED it started with.
func reloadChild(report func(string)) int {
	report(fmt.Sprintf("changed %q", os.Getenv(childrpc.EnvChanged)))
	childrpc.HandleChanges("templates/**", func(ctx context.Context, files []string) error {
		report("templates " + strings.Join(files, ","))
		return nil
	})
	childrpc.Handle("reload-config", func(ctx context.Context, p childrpc.ChangesParams) (struct{}, error) {
		report("config " + strings.Join(p.Files, ","))
		return struct{}{}, nil
	})
	childrpc.Handle("fail-reload", func(ctx context.Context, p childrpc.ChangesParams) (struct{}, error) {
		return struct{}{}, errors.New("template: x.broken:3: unexpected EOF")
	})
	childrpc.Handle("panic-reload", func(ctx context.Context, p childrpc.ChangesParams) (struct{}, error) {
		panic("boom")
	})
	ctx, stop := context.WithCancel(context.Background())
	go childrpc.Serve(ctx)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	for sig := range sigs {
		if sig == syscall.SIGHUP {
			report("hup")
			continue
		}
		break
	}
	stop()
	report(fmt.Sprintf("stop %d", os.Getpid()))
	return 0
}

// TestChangesThroughHandlers: rules from devrun.toml and from the program's own HandleChanges
// take changes without a restart; a failing, panicking or missing handler restarts; a mixed
// batch restarts once and tells the new program what changed.
//
// Serial: five saves 20 ms apart must fall within one 100 ms delay.
func TestChangesThroughHandlers(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "devrun.toml"), `
[[on_change]]
files = ["*.yaml"]
send = "reload-config"
[[on_change]]
files = "*.broken"
send = "fail-reload"
[[on_change]]
files = "*.panic"
send = "panic-reload"
[[on_change]]
files = "*.missing"
send = "nosuch"
[[on_change]]
files = "*.sig"
signal = "HUP"
[[on_change]]
files = "styles/*.css"
run = "echo built > built.out"
`)
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, append([]string{"-d", "100ms", "-i", "built.out"}, childArgs("reload")...)...)
	pid := pidOf(rep.next(t, "start"))
	rep.next(t, "changed ")
	ev := startEvents(t, "--since", "0")
	d.stderr.WaitFor(t, "a rule sends *.missing changes to nosuch, which the program does not handle")

	// A burst of template saves: one call with the file, and the same program.
	for i := range 5 {
		writeFile(t, filepath.Join(dir, "templates", "index.html"), fmt.Sprintf("<p>%d</p>", i))
		time.Sleep(20 * time.Millisecond) // the saves of an editor, 20 ms apart
	}
	if got := rep.next(t, "templates "); got != "templates templates/index.html" {
		t.Fatalf("handler got %q", got)
	}
	if e := ev.next(t, childrpc.EventReloaded, childrpc.EventExited); !slices.Equal(e.Paths, []string{"templates/index.html"}) {
		t.Fatalf("the reload as an event: %+v", e)
	}
	writeFile(t, filepath.Join(dir, "app.yaml"), "a: 1")
	for got := ""; !strings.HasPrefix(got, "config "); {
		got = rep.next(t, "")
		if strings.HasPrefix(got, "templates ") {
			t.Fatalf("a burst of five saves called the handler twice")
		}
		if strings.HasPrefix(got, "config ") && got != "config app.yaml" {
			t.Fatalf("config handler got %q", got)
		}
	}
	writeFile(t, filepath.Join(dir, "app.sig"), "")
	rep.next(t, "hup")
	if err := os.Mkdir(filepath.Join(dir, "styles"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "styles", "a.css"), "p{}")
	d.stderr.WaitFor(t, "ran echo built > built.out for styles/a.css")
	if b, err := os.ReadFile(filepath.Join(dir, "built.out")); err != nil || strings.TrimSpace(string(b)) != "built" {
		t.Fatalf("run rule: %q, %v", b, err)
	}
	if out := d.stderr.String(); strings.Contains(out, "restarting") || strings.Count(out, "starting ") > 1 {
		t.Fatalf("a handled change restarted the program:\n%s", out)
	}

	// Handlers that cannot take the files restart the program, saying why.
	for _, c := range []struct{ file, why string }{
		{"x.broken", "fail-reload failed: template: x.broken:3: unexpected EOF; restarting"},
		{"x.panic", "panic-reload panicked"},
		{"x.missing", "the program has no handler nosuch; restarting"},
	} {
		writeFile(t, filepath.Join(dir, c.file), "x")
		d.stderr.WaitFor(t, c.why)
		rep.next(t, "stop "+pid)
		pid = pidOf(rep.next(t, "start"))
		if got := rep.next(t, "changed "); got != fmt.Sprintf("changed %q", c.file) {
			t.Fatalf("DEVRUN_CHANGED after %s: %s", c.file, got)
		}
	}

	// A mixed batch restarts once, and passes every path.
	writeFile(t, filepath.Join(dir, "templates", "index.html"), "<p>mixed</p>")
	writeFile(t, filepath.Join(dir, "notes.txt"), "restart me")
	rep.next(t, "stop "+pid)
	rep.next(t, "start")
	got := rep.next(t, "changed ")
	if !strings.Contains(got, "notes.txt") || !strings.Contains(got, "templates/index.html") {
		t.Fatalf("DEVRUN_CHANGED after a mixed batch: %s", got)
	}
	select {
	case l := <-rep.lines:
		if strings.HasPrefix(l, "templates ") {
			t.Fatalf("a mixed batch called the handler too: %q", l)
		}
	default:
	}
}

// TestChangesThroughNodeAndPython: a Node program (no library: process.on('message')) and a
// Python one (the standard library on DEVRUN_RPC_FD) take template edits without a restart.
func TestChangesThroughNodeAndPython(t *testing.T) {
	for _, tc := range []struct{ name, program, file string }{
		{"node", "node", "../../examples/node-child/server.js"},
		{"python", "python3", "../../examples/python-child/app.py"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.program); err != nil {
				t.Skipf("%s is not installed (.ci/run installs it)", tc.program)
			}
			t.Parallel()
			src, err := filepath.Abs(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "templates"), 0o755); err != nil {
				t.Fatal(err)
			}
			code, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			script := filepath.Join(dir, filepath.Base(src))
			writeFile(t, script, string(code))
			writeFile(t, filepath.Join(dir, "templates", "index.html"), "<h1>{greeting}</h1>")
			d := startDevrun(t, dir, nil, "-v", "--env", "PORT=0", "--", script)
			d.stderr.WaitFor(t, "listening on")
			d.stderr.WaitFor(t, "reloads: templates/** -> reload-templates")
			ev := startEvents(t, "--since", "0")
			writeFile(t, filepath.Join(dir, "templates", "index.html"), "<h1>{greeting}!</h1>")
			e := ev.next(t, childrpc.EventReloaded, childrpc.EventExited)
			if e.Method != "reload-templates" || !slices.Equal(e.Paths, []string{"templates/index.html"}) {
				t.Fatalf("the reload as an event: %+v", e)
			}
			if n := countKind(ev.feed.Snapshot(), childrpc.EventStarted); n != 1 {
				t.Fatalf("the program started %d times, want once:\n%s", n, d.stderr.String())
			}
		})
	}
}
