package target

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run executes argv in dir and returns its combined output.
func run(t *testing.T, dir string, argv []string) string {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%q in %s: %v\n%s", argv, dir, err, out.String())
	}
	return out.String()
}

const e2eMain = `package main

import (
	_ "embed"
	"fmt"
	"os"
	"strings"
)

//go:embed greeting.txt
var greeting string

func main() {
	wd, _ := os.Getwd()
	fmt.Printf("%s|%s|%s\n", strings.TrimSpace(greeting), strings.Join(os.Args[1:], ","), wd)
}
`

// TestBuildAndRunGoPackage runs the Build argv a real go toolchain, then the Command, the way the
// runner will: from the module's sub-folder, with arguments, and with a user build step.
func TestBuildAndRunGoPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"go.mod":                   "module example.com/e2e\n\ngo 1.21\n",
		"cmd/hello/main.go":        e2eMain,
		"cmd/hello/greeting.txt":   "hello",
		"cmd/hello/main_test.go":   "package main\n",
		"tools/once.go":            "//go:build ignore\n\n" + strings.Replace(e2eMain, "//go:embed greeting.txt\nvar greeting string", "var greeting = \"once\"", 1),
		"tools/lib.go":             "package tools\n",
		"cmd/hello/testdata/x.txt": "",
	})
	work := filepath.Join(root, "cmd")

	t.Run("package", func(t *testing.T) {
		tg, err := Detect("./hello", []string{"a b", "c"}, Options{Dir: work, CacheDir: t.TempDir(), Build: "echo generated > gen.txt"})
		if err != nil {
			t.Fatal(err)
		}
		defer tg.Cleanup()
		run(t, tg.BuildDir, tg.Build)
		if _, err := os.Stat(filepath.Join(work, "gen.txt")); err != nil {
			t.Errorf("the user's build step did not run in the working dir: %v", err)
		}
		if got, want := run(t, tg.Dir, tg.Command), "hello|a b,c|"+work+"\n"; got != want {
			t.Errorf("output %q, want %q", got, want)
		}
		bin := tg.Command[0]
		tg.Cleanup()
		if _, err := os.Stat(bin); !os.IsNotExist(err) {
			t.Errorf("binary %s still there after Cleanup: %v", bin, err)
		}
	})

	t.Run("file", func(t *testing.T) {
		tg, err := Detect(filepath.Join(root, "tools", "once.go"), []string{"x"}, Options{Dir: root, CacheDir: t.TempDir(), BuildFlags: []string{"-trimpath"}})
		if err != nil {
			t.Fatal(err)
		}
		defer tg.Cleanup()
		if tg.Build[0] != goBin {
			t.Errorf("Build[0] = %s, want %s", tg.Build[0], goBin)
		}
		run(t, tg.BuildDir, tg.Build)
		if got, want := run(t, tg.Dir, tg.Command), "once|x|"+root+"\n"; got != want {
			t.Errorf("output %q, want %q", got, want)
		}
	})
}
