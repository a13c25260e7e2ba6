package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devrun-dev/devrun/childrpc"
)

// TestNoTargetInNodemonProject: `devrun` alone in a Node project runs what nodemon would, with
// nodemon.json's settings, and says where it took them from.
func TestNoTargetInNodemonProject(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed (.ci/run installs it)")
	}
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "package.json"), `{"name":"app","main":"server.js"}`)
	writeFile(t, filepath.Join(dir, "nodemon.json"), `{"ext":"js,html","delay":10,"restartable":"rs"}`)
	writeFile(t, filepath.Join(dir, "server.js"), "console.log('serving', process.pid); setInterval(() => {}, 1000);\n")
	writeFile(t, filepath.Join(dir, "page.txt"), "not watched")
	d := startDevrun(t, dir, nil, "-v")
	d.stderr.WaitFor(t, "no TARGET: from nodemon.json, running as: devrun --delay 10ms --ext js,html -- server.js")
	d.stderr.WaitFor(t, "nodemon.json: not understood, left out: restartable")
	d.stderr.WaitFor(t, "serving")
	ev := startEvents(t, "--since", "0")
	writeFile(t, filepath.Join(dir, "page.txt"), "still not watched")
	writeFile(t, filepath.Join(dir, "index.html"), "<p>watched</p>")
	ev.changeOf(t, "index.html")
	if e := ev.next(t, childrpc.EventStarted); e.Generation != 2 {
		t.Errorf("the restart after index.html changed: %+v", e)
	}
	// Events come in order: had page.txt counted, its change would be in by now.
	if changed(ev.feed.Snapshot(), "page.txt") {
		t.Errorf("a .txt file counted although nodemon.json's ext leaves it out:\n%s", d.stderr.String())
	}
	if n := strings.Count(d.stderr.String(), "serving"); n > 2 {
		t.Errorf("%d starts", n)
	}
}

// TestNoTargetInAirProject: `devrun` alone where .air.toml builds a Go package runs it in Go
// mode with air's extensions.
func TestNoTargetInAirProject(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/airy\n\ngo 1.21\n")
	if err := os.MkdirAll(filepath.Join(dir, "cmd", "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cmd", "web", "main.go"), "package main\n\nimport (\"fmt\"; \"time\")\n\nfunc main() { fmt.Println(\"air project up\"); time.Sleep(time.Hour) }\n")
	writeFile(t, filepath.Join(dir, ".air.toml"), "root = \".\"\n[build]\ncmd = \"go build -o ./tmp/main ./cmd/web\"\nbin = \"tmp/main\"\ninclude_ext = [\"go\", \"tmpl\"]\nexclude_dir = [\"tmp\"]\n")
	d := startDevrun(t, dir, nil)
	d.stderr.WaitFor(t, "no TARGET: from .air.toml, running as: devrun --ext go,tmpl --ignore tmp/ -- cmd/web")
	d.stderr.WaitFor(t, "air project up")
}

// TestCommandIgnoresItsOwnData: a Python web app that writes its sqlite database on each POST
// is not restarted by its own writes; an edit of its source restarts it.
func TestCommandIgnoresItsOwnData(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed (.ci/run installs it)")
	}
	t.Parallel()
	dir := t.TempDir()
	app := `import http.server, os, sqlite3, sys
db = sqlite3.connect("sql_app.db")
db.execute("create table if not exists hits (n integer)")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        db.execute("insert into hits values (1)"); db.commit()
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("port.txt.tmp", "w").write(str(s.server_port)); os.replace("port.txt.tmp", "port")
print("app up", os.getpid(), flush=True)
s.serve_forever()
`
	writeFile(t, filepath.Join(dir, "app.py"), app)
	d := startDevrun(t, dir, nil, "-v", "--", "python3", "app.py")
	d.stderr.WaitFor(t, "app up")
	ev := startEvents(t, "--since", "0")
	port, err := os.ReadFile(filepath.Join(dir, "port"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		resp, err := http.Post("http://127.0.0.1:"+string(port)+"/", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Events reach the watcher in order: had the database counted, it would be named with
	// app.py, in this batch or one before it.
	writeFile(t, filepath.Join(dir, "app.py"), app+"# edited\n")
	ev.changeOf(t, "app.py")
	d.stderr.WaitCount(t, "app up", 2)
	if out := d.stderr.String(); changed(ev.feed.Snapshot(), "sql_app.db") || strings.Count(out, "app up") != 2 {
		t.Errorf("the app's own database writes counted:\n%s", out)
	}
}

// TestSendToAProgramWithoutChannel: a send to a program that never said hello says why it may
// not be answered, once, while it waits.
func TestSendToAProgramWithoutChannel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rep := newReporter(t)
	startDevrun(t, dir, rep, append([]string{"--name", "quiet", "-w", dir}, childArgs("serve")...)...)
	rep.next(t, "start")
	_, errOut, code := client(t, "", "send", "-n", "quiet", "--timeout", "3s", "reload")
	if code != 1 || strings.Count(errOut, "the program announced no methods: it may not use the devrun channel") != 1 {
		t.Fatalf("send: code %d, %q", code, errOut)
	}
}

// TestHelpFitsEightyColumns: devrun's and every subcommand's help fit a standard terminal.
func TestHelpFitsEightyColumns(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"help", "send"}, {"help", "logs"}, {"help", "ls"}, {"help", "restart"}} {
		out, _, code := client(t, "", args...)
		if code != 0 || out == "" {
			t.Fatalf("%v: code %d", args, code)
		}
		for _, line := range strings.Split(out, "\n") {
			if len([]rune(line)) > 80 {
				t.Errorf("%v: a line of %d columns: %q", args, len([]rune(line)), line)
			}
		}
	}
}

// TestUvicornAppWritingSQLite: `devrun -- python3 -m uvicorn main:app`, the habit of uvicorn
// users, watches the sources only: the app's writes to its sqlite file on each POST do not
// restart it; an edit of main.py does.
func TestUvicornAppWritingSQLite(t *testing.T) {
	python := "/usr/bin/python3" // Debian's python3-uvicorn (.ci/run installs it)
	if err := exec.Command(python, "-c", "import uvicorn").Run(); err != nil {
		t.Skip("uvicorn is not installed for /usr/bin/python3 (.ci/run installs python3-uvicorn)")
	}
	t.Parallel()
	dir := t.TempDir()
	app := `import os, sqlite3
db = sqlite3.connect("sql_app.db", check_same_thread=False)
db.execute("create table if not exists hits (n integer)")
print("app up", os.getpid(), flush=True)

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        db.execute("insert into hits values (1)")
        db.commit()
    await send({"type": "http.response.start", "status": 200, "headers": [[b"content-type", b"text/plain"]]})
    await send({"type": "http.response.body", "body": b"ok"})
`
	writeFile(t, filepath.Join(dir, "main.py"), app)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	d := startDevrun(t, dir, nil, "-v", "--", python, "-m", "uvicorn", "main:app", "--port", port)
	d.stderr.WaitFor(t, "Uvicorn running on")
	ev := startEvents(t, "--since", "0")
	for range 3 {
		resp, err := http.Post("http://127.0.0.1:"+port+"/", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "sql_app.db")); err != nil {
		t.Fatalf("the app wrote no database: %v", err)
	}
	// Had the database counted, it would be named with main.py, in this batch or before it.
	writeFile(t, filepath.Join(dir, "main.py"), app+"# edited\n")
	ev.changeOf(t, "main.py")
	d.stderr.WaitCount(t, "app up", 2)
	if out := d.stderr.String(); changed(ev.feed.Snapshot(), "sql_app.db") || strings.Count(out, "app up") != 2 {
		t.Errorf("the app's own database writes counted:\n%s", out)
	}
}

// TestControlSocketLeavesOtherFiles: a regular file where the control socket would go is not
// removed; devrun says so and runs on without its control socket.
func TestControlSocketLeavesOtherFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sockDir := filepath.Join(runtimeDir(t), "devrun")
	if err := os.MkdirAll(sockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	inTheWay := filepath.Join(sockDir, "precious.sock")
	writeFile(t, inTheWay, "not a socket")
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, append([]string{"--name", "precious", "-w", dir}, childArgs("serve")...)...)
	rep.next(t, "start")
	d.stderr.WaitFor(t, "a file that is not a socket is in the way")
	if b, err := os.ReadFile(inTheWay); err != nil || string(b) != "not a socket" {
		t.Fatalf("the file in the way was touched: %q, %v", b, err)
	}
}
