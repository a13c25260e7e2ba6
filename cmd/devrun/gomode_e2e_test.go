package main

import (
	"bufio"
	"fmt"
	"go/build"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/devrun-dev/devrun/childrpc"
)

// goProgram is a small main package that reports "start <pid> <version>" to the test.
const goProgram = `package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

const version = "VERSION"

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	c, err := net.Dial("unix", os.Getenv("DEVRUN_TEST_REPORT"))
	if err != nil {
		os.Exit(3)
	}
	fmt.Fprintf(c, "start %d %s\n", os.Getpid(), version)
	<-sigs
	fmt.Fprintf(c, "stop %d\n", os.Getpid())
}
`

func writeGoModule(t *testing.T, version string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", version, 1))
	writeFile(t, filepath.Join(dir, "main_test.go"), "package main\n")
	return dir
}

// TestGoModeBuildBreakFix runs a Go package, breaks it, checks the old program keeps running,
// fixes it and checks the new one runs; test files do not trigger a rebuild.
func TestGoModeBuildBreakFix(t *testing.T) {
	t.Parallel()
	dir := writeGoModule(t, "v1")
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, ".")
	first := rep.next(t, "start")
	if !strings.HasSuffix(first, " v1") {
		t.Fatalf("first start: %q", first)
	}
	ev := startEvents(t, "--since", "0")
	ev.next(t, childrpc.EventBuildOK)

	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {\n") // a syntax error
	if e := ev.next(t, childrpc.EventBuildFailed, childrpc.EventBuildOK); e.Reason != "still running the previous build" {
		t.Fatalf("the failed build as an event: %+v", e)
	}
	if err := syscall.Kill(atoi(t, pidOf(first)), 0); err != nil {
		t.Fatalf("the old program is gone after a failed build: %v", err)
	}

	writeFile(t, filepath.Join(dir, "main_test.go"), "package main\n\n// edited\n")
	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v2", 1))
	restarted(t, rep, first, "v2")
	d.interrupt(t)
	if n := countKind(ev.stopped(t), childrpc.EventBuildOK); n != 2 {
		t.Fatalf("%d builds, want exactly two (the _test.go edit must not build)", n)
	}
}

// TestGoModeChangeCancelsBuild saves during a build: that build is killed and one new build
// finishes, starting one new program.
func TestGoModeChangeCancelsBuild(t *testing.T) {
	t.Parallel()
	dir := writeGoModule(t, "v1")
	marker := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(marker, 0o600); err != nil {
		t.Fatal(err)
	}
	rep := newReporter(t)
	// The extra build step blocks on a fifo the test opens, so the test decides when it ends.
	d := startDevrun(t, dir, rep, "-v", "--build", "echo build-step-waiting; cat "+marker, ".")

	release := func() {
		f, err := os.OpenFile(marker, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	d.stderr.WaitFor(t, "build-step-waiting")
	release()
	first := rep.next(t, "start")
	ev := startEvents(t, "--since", "0")

	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v2", 1))
	waitCount(t, d.stderr, "build-step-waiting", 2)
	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v3", 1))
	d.stderr.WaitFor(t, "build cancelled") // no event: a cancelled build neither fails nor succeeds
	waitCount(t, d.stderr, "build-step-waiting", 3)
	release()
	restarted(t, rep, first, "v3")
	d.interrupt(t)
	if n := countKind(ev.stopped(t), childrpc.EventBuildOK); n != 2 {
		t.Fatalf("%d builds finished, want 2 (the first and the one after the last save)", n)
	}
}

// waitCount waits until s appears n times in the output.
func waitCount(t *testing.T, l *lineLog, s string, n int) {
	t.Helper()
	// Whole lines only: with -v, devrun's "building: sh -c '{ echo build-step-waiting; ..."
	// line contains s too, and counting it would let the test go on one build early.
	l.WaitUntil(t, fmt.Sprintf("the line %q %d times", s, n), func(text string) bool { return countLines(text, s) >= n })
}

func countLines(text, line string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			n++
		}
	}
	return n
}

// reportProgram reports "start <pid> <what>" to the test, what being a Go expression of the
// program (a constant of an imported package, a C function's result...), then waits for SIGTERM.
func reportProgram(imports, what string) string {
	return `package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
` + imports + `
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	c, err := net.Dial("unix", os.Getenv("DEVRUN_TEST_REPORT"))
	if err != nil {
		os.Exit(3)
	}
	fmt.Fprintf(c, "start %d %v\n", os.Getpid(), ` + what + `)
	<-sigs
	fmt.Fprintf(c, "stop %d\n", os.Getpid())
}
`
}

func libSource(version string) string {
	return "package lib\n\n// Version is what the program reports.\nconst Version = \"" + version + "\"\n"
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, content)
	}
}

// restarted waits for the old program's stop report and the new one's start report, in either
// order (they come over two connections), and checks what the new one reported.
func restarted(t *testing.T, rep *reporter, old, want string) string {
	t.Helper()
	start := rep.replaced(t, old)
	if !strings.HasSuffix(start, " "+want) {
		t.Fatalf("the program reported %q, want %q", start, want)
	}
	return start
}

// expectStart waits for the next start report and checks what the program reported.
func expectStart(t *testing.T, rep *reporter, want string) string {
	t.Helper()
	got := rep.next(t, "start")
	if !strings.HasSuffix(got, " "+want) {
		t.Fatalf("the program reported %q, want %q", got, want)
	}
	return got
}

// TestGoModeWorkspace: in a go.work workspace, editing the module the program imports
// rebuilds, whether devrun runs in the program's module or at the workspace root.
func TestGoModeWorkspace(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, dir, target string }{{"in the module", "app", "."}, {"at the root", ".", "./app"}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			writeTree(t, ws, map[string]string{
				"go.work":     "go 1.21\n\nuse (\n\t./app\n\t./lib\n)\n",
				"app/go.mod":  "module example.com/app\n\ngo 1.21\n",
				"app/main.go": reportProgram(`"example.com/lib"`, "lib.Version"),
				"lib/go.mod":  "module example.com/lib\n\ngo 1.21\n",
				"lib/lib.go":  libSource("v1"),
			})
			rep := newReporter(t)
			d := startDevrun(t, filepath.Join(ws, c.dir), rep, c.target)
			first := expectStart(t, rep, "v1")
			writeFile(t, filepath.Join(ws, "lib/lib.go"), libSource("v2"))
			restarted(t, rep, first, "v2")
			d.interrupt(t)
		})
	}
}

// TestGoModeReplace: a replace directive's folder is part of the build.
func TestGoModeReplace(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"app/go.mod":  "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
		"app/main.go": reportProgram(`"example.com/lib"`, "lib.Version"),
		"lib/go.mod":  "module example.com/lib\n\ngo 1.21\n",
		"lib/lib.go":  libSource("v1"),
	})
	rep := newReporter(t)
	d := startDevrun(t, filepath.Join(root, "app"), rep, ".")
	first := expectStart(t, rep, "v1")
	writeFile(t, filepath.Join(root, "lib/lib.go"), libSource("v2"))
	restarted(t, rep, first, "v2")
	d.interrupt(t)
}

// TestGoModeCgo: editing a C header or source of a cgo package rebuilds.
func TestGoModeCgo(t *testing.T) {
	t.Parallel()
	if out, err := exec.Command("go", "env", "CGO_ENABLED").Output(); err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Skip("cgo is not enabled (no C compiler?)")
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod":  "module example.com/app\n\ngo 1.21\n",
		"main.go": reportProgram(")\n\n// #include \"val.h\"\nimport \"C\"\nimport (", "int(C.val())"),
		"val.h":   "#define BASE 1\nint val(void);\n",
		"val.c":   "#include \"val.h\"\nint val(void) { return BASE * 10; }\n",
	})
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, ".")
	first := expectStart(t, rep, "10")
	writeFile(t, filepath.Join(dir, "val.h"), "#define BASE 2\nint val(void);\n")
	second := restarted(t, rep, first, "20")
	writeFile(t, filepath.Join(dir, "val.c"), "#include \"val.h\"\nint val(void) { return BASE * 100; }\n")
	restarted(t, rep, second, "200")
	d.interrupt(t)
}

// TestGoModeNestedModuleAndUnimportedPackage: files of a nested module and of a package the
// program does not import are not part of the build; they neither build nor restart.
func TestGoModeNestedModuleAndUnimportedPackage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod":                  "module example.com/app\n\ngo 1.21\n",
		"main.go":                 reportProgram(`"example.com/app/lib"`, "lib.Version"),
		"lib/lib.go":              libSource("v1"),
		"unused/unused.go":        "package unused\n",
		"grpc/example1/go.mod":    "module example.com/grpc\n\ngo 1.21\n",
		"grpc/example1/main.go":   "package main\n\nfunc main() {}\n",
		"grpc/example1/page.html": "<p>nested</p>\n",
	})
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, "-v", ".")
	first := expectStart(t, rep, "v1")
	ev := startEvents(t, "--since", "0")
	d.stderr.WaitFor(t, "local packages (go list took") // the set from go list is in place

	writeFile(t, filepath.Join(dir, "unused/unused.go"), "package unused\n\nconst X = 1\n")
	d.stderr.WaitFor(t, "not part of the build: unused/unused.go")
	writeFile(t, filepath.Join(dir, "grpc/example1/main.go"), "package main\n\nfunc main() { println() }\n")
	d.stderr.WaitFor(t, "not part of the build: grpc/example1/main.go")
	writeFile(t, filepath.Join(dir, "grpc/example1/page.html"), "<p>nested, edited</p>\n")
	d.stderr.WaitFor(t, "not part of the build: grpc/example1/page.html")

	writeFile(t, filepath.Join(dir, "lib/lib.go"), libSource("v2"))
	restarted(t, rep, first, "v2")
	d.interrupt(t)
	events := ev.stopped(t)
	if n := countKind(events, childrpc.EventBuildOK); n != 2 {
		t.Fatalf("%d builds, want 2 (the first and the lib edit)", n)
	}
	for _, out := range []string{"unused/", "grpc/"} {
		if changed(events, out) {
			t.Fatalf("a change under %s counted, although it is not part of the build", out)
		}
	}
}

// TestGoModeTemplate: a program that parses templates/*.html at start restarts when one
// changes, and not with --no-templates.
func TestGoModeTemplate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod":              "module example.com/app\n\ngo 1.21\n",
		"main.go":             reportProgram(`"strings"`, `func() string { b, _ := os.ReadFile("templates/page.html"); return strings.TrimSpace(string(b)) }()`),
		"templates/page.html": "<h1>one</h1>\n",
	})
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, ".")
	first := expectStart(t, rep, "<h1>one</h1>")
	writeFile(t, filepath.Join(dir, "templates/page.html"), "<h1>two</h1>\n")
	restarted(t, rep, first, "<h1>two</h1>")
	d.interrupt(t)

	rep = newReporter(t)
	d = startDevrun(t, dir, rep, "-v", "--no-templates", ".")
	expectStart(t, rep, "<h1>two</h1>")
	saveOutsideBuild(t, d, dir, "templates/page.html", "<h1>three</h1>\n")
	d.interrupt(t)
}

// TestGoModeCommentNoRestart: rewording a comment (no line added or removed), or editing a
// file under a build tag that is off, rebuilds but does not restart: the binary is the same but
// for its build ID.
func TestGoModeCommentNoRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod":     "module example.com/app\n\ngo 1.21\n",
		"main.go":    reportProgram(`"example.com/app/lib"`, "lib.Version"),
		"lib/lib.go": libSource("v1"),
		"lib/off.go": "//go:build never\n\npackage lib\n",
	})
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, ".")
	first := expectStart(t, rep, "v1")
	ev := startEvents(t, "--since", "0")
	// The verdict of a build whose binary is the running one has no event of its own (the
	// program is ready already): its line is what says the next edit may come.
	writeFile(t, filepath.Join(dir, "lib/lib.go"), strings.Replace(libSource("v1"), "what the program reports", "the text it reports", 1))
	d.stderr.WaitFor(t, "no change in the binary; still running")
	writeFile(t, filepath.Join(dir, "lib/off.go"), "//go:build never\n\npackage lib\n\nconst Off = 1\n")
	waitCount(t, d.stderr, "[devrun] no change in the binary; still running", 2)
	writeFile(t, filepath.Join(dir, "lib/lib.go"), libSource("v2"))
	restarted(t, rep, first, "v2")
	d.interrupt(t)
	events := ev.stopped(t)
	if builds, starts := countKind(events, childrpc.EventBuildOK), countKind(events, childrpc.EventStarted); builds != 4 || starts != 2 {
		t.Fatalf("%d builds and %d starts, want 4 and 2 (the first and v2's)", builds, starts)
	}
}

// TestGoModeDebug: --debug runs the program under dlv, whose address is the same after a
// restart and takes a client each time.
func TestGoModeDebug(t *testing.T) {
	t.Parallel()
	dlv, err := exec.LookPath("dlv")
	if err != nil {
		if p := filepath.Join(build.Default.GOPATH, "bin", "dlv"); fileExists(p) {
			dlv = p
		} else {
			t.Skip("dlv is not installed: go install github.com/go-delve/delve/cmd/dlv@v1.27.2")
		}
	}
	t.Logf("dlv: %s", dlv)
	dir := writeGoModule(t, "v1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, "--debug="+addr, ".")
	attach := func() {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("cannot attach to dlv: %v", err)
		}
		defer c.Close()
		// dlv's JSON-RPC API answers a state request of a running program.
		fmt.Fprintf(c, `{"method":"RPCServer.State","params":[{"NonBlocking":true}],"id":1}`+"\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.Contains(line, `"id":1`) || !strings.Contains(line, `"State"`) {
			t.Fatalf("dlv's answer: %q, %v", line, err)
		}
	}
	first := rep.next(t, "start")
	attach()
	// dlv kills the program it runs rather than passing SIGTERM on: no "stop" report.
	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(goProgram, "VERSION", "v2", 1))
	if second := rep.next(t, "start"); !strings.HasSuffix(second, " v2") {
		t.Fatalf("after the edit: %q", second)
	}
	// The new generation starts once the old dlv is gone, and dlv ends after its program.
	if err := syscall.Kill(atoi(t, pidOf(first)), 0); err == nil {
		t.Fatalf("the first program (pid %s) still runs after the restart", pidOf(first))
	}
	attach()
	d.interrupt(t)
	if n := strings.Count(d.stderr.String(), "listening on "+addr); n != 1 {
		t.Fatalf("the address was said %d times, want once:\n%s", n, d.stderr.String())
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestGoModeReplaceAddedWhileRunning: a replace directive added while devrun runs brings its
// folder into the watch set at the next build.
func TestGoModeReplaceAddedWhileRunning(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"app/go.mod":  "module example.com/app\n\ngo 1.21\n",
		"app/main.go": reportProgram("", `"v0"`),
		"lib/go.mod":  "module example.com/lib\n\ngo 1.21\n",
		"lib/lib.go":  libSource("v1"),
	})
	rep := newReporter(t)
	d := startDevrun(t, filepath.Join(root, "app"), rep, ".")
	first := expectStart(t, rep, "v0")
	writeFile(t, filepath.Join(root, "app/go.mod"), "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n")
	writeFile(t, filepath.Join(root, "app/main.go"), reportProgram(`"example.com/lib"`, "lib.Version"))
	second := restarted(t, rep, first, "v1")
	d.stderr.WaitFor(t, "now watching "+filepath.Join(root, "lib")+" too")
	writeFile(t, filepath.Join(root, "lib/lib.go"), libSource("v2"))
	restarted(t, rep, second, "v2")
	d.interrupt(t)
}

// TestGoModeFirstBuildFailsWatchesTheModule: until a build succeeds, every package of the module
// counts; after one, only what the build compiled.
func TestGoModeFirstBuildFailsWatchesTheModule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod":           "module example.com/app\n\ngo 1.21\n",
		"main.go":          "package main\n\nfunc main() {\n", // a syntax error
		"unused/unused.go": "package unused\n",
	})
	rep := newReporter(t)
	ev := eventsFromStart(t)
	d := startDevrun(t, dir, rep, "-v", ".")
	ev.next(t, childrpc.EventBuildFailed, childrpc.EventBuildOK)
	writeFile(t, filepath.Join(dir, "unused/unused.go"), "package unused\n\nconst X = 1\n")
	ev.changeOf(t, "unused/unused.go")
	ev.next(t, childrpc.EventBuildStarted)
	writeFile(t, filepath.Join(dir, "main.go"), reportProgram("", `"fixed"`))
	expectStart(t, rep, "fixed")
	saveOutsideBuild(t, d, dir, "unused/unused.go", "package unused\n\nconst X = 2\n")
	d.interrupt(t)
}

// TestGoModeAddedExtensionFindsTestdata: gin keeps its templates in testdata/; -e +tmpl
// watches them as well as what go build compiles, and a testdata .go file still does not count.
func TestGoModeAddedExtensionFindsTestdata(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod":                       "module example.com/app\n\ngo 1.21\n",
		"main.go":                      reportProgram(`"strings"`, `strings.TrimSpace(string(must(os.ReadFile("testdata/template/hello.tmpl"))))`) + "\nfunc must(b []byte, err error) []byte { return b }\n",
		"testdata/template/hello.tmpl": "v1\n",
		"testdata/fixture.go":          "package testdata\n",
	})
	rep := newReporter(t)
	d := startDevrun(t, dir, rep, "-v", "-e", "+tmpl", ".")
	first := expectStart(t, rep, "v1")
	saveOutsideBuild(t, d, dir, "testdata/fixture.go", "package testdata\n\nconst X = 1\n")
	writeFile(t, filepath.Join(dir, "testdata/template/hello.tmpl"), "v2\n")
	restarted(t, rep, first, "v2")
	d.interrupt(t)
}

// saveOutsideBuild waits for Go mode's watch set (from go list), saves rel, a file the build
// does not use, and waits for devrun to say so instead of rebuilding.
func saveOutsideBuild(t *testing.T, d *devrunProc, dir, rel, content string) {
	t.Helper()
	d.stderr.WaitFor(t, "local packages (go list took")
	writeFile(t, filepath.Join(dir, rel), content)
	d.stderr.WaitFor(t, "not part of the build: "+rel)
}
