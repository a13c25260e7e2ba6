//go:build unix

package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sleeper is a program that runs until it is stopped; COMMENT and CODE are what the test edits.
const sleeper = `package main

import (
	"os"
	"os/signal"
	"syscall"
)

// COMMENT
func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	<-c
	os.Exit(len("CODE"))
}
`

func goModule(t *testing.T) (dir string, write func(comment, code string)) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/s\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write = func(comment, code string) {
		src := strings.NewReplacer("COMMENT", comment, "CODE", code).Replace(sleeper)
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("first", "a")
	return dir, write
}

func goBuild(t *testing.T, dir, out string, env ...string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
}

func TestBinarySumIgnoresTheBuildID(t *testing.T) {
	t.Parallel()
	t.Run("host", func(t *testing.T) { testBinarySum(t) })
	// Mach-O, with the code signature the linker adds on arm64.
	t.Run("darwin-arm64", func(t *testing.T) {
		if testing.Short() {
			t.Skip("cross-compiles the standard library once")
		}
		testBinarySum(t, "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0")
	})
}

func testBinarySum(t *testing.T, env ...string) {
	dir, write := goModule(t)
	bin := filepath.Join(t.TempDir(), "bin")
	sum := func() uint64 {
		goBuild(t, dir, bin, env...)
		s, err := binarySum(bin)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := sum()
	write("reworded", "a")
	id := func() string {
		b, err := exec.Command("go", "tool", "buildid", bin).Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	idBefore := id()
	if reworded := sum(); reworded != first {
		t.Fatal("a reworded comment changed the sum")
	}
	if id() == idBefore {
		t.Fatal("the build ID did not change: the test proves nothing")
	}
	write("reworded", "bb")
	if changed := sum(); changed == first {
		t.Fatal("a code change kept the sum")
	}
}

// TestChangedKeepsAnIdenticalProgram: after Changed, a rebuilt program equal to the running
// one is not restarted; a different one is; Restart restarts whatever the build gives.
func TestChangedKeepsAnIdenticalProgram(t *testing.T) {
	t.Parallel()
	dir, write := goModule(t)
	bin := filepath.Join(t.TempDir(), "prog")
	h := newHarness(t, Config{
		Command: []string{bin}, Build: []string{"go", "build", "-o", bin, "."}, BuildDir: dir, BuildOutput: bin,
	})
	first := h.waitKind(Started).PID

	write("reworded", "a")
	h.r.RestartFor("main.go changed", []string{"main.go"}, true)
	h.waitKind(BuildOK)
	if e := h.waitKind(Unchanged); e.PID != first || e.String() != "no change in the binary; still running" {
		t.Fatalf("unchanged event %+v (%q)", e, e.String())
	}
	requireAlive(t, first)

	write("reworded", "bb")
	h.r.RestartFor("main.go changed", []string{"main.go"}, true)
	h.waitPID(Exited, first)
	second := h.waitKind(Started).PID

	h.r.Restart("rs")
	h.waitPID(Exited, second)
	h.waitKind(Started)
	if n := len(filterKind(h.events.Snapshot(), Unchanged)); n != 1 {
		t.Fatalf("%d unchanged events, want 1: %v", n, h.kinds())
	}
}
