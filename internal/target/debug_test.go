package target

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDebugCommands(t *testing.T) {
	bin := fakePath(t, true, "node", "python3")
	root := t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module x\n", "main.go": mainGo, "app.js": "", "app.py": ""})
	t.Setenv("GOPATH", t.TempDir()) // no dlv there either
	t.Setenv("GOBIN", "")

	tg, err := Detect("app.js", []string{"-p", "1"}, Options{Dir: root, Debug: "on"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"node", "--inspect=127.0.0.1:9229", "app.js", "-p", "1"}; !slices.Equal(tg.Command, want) {
		t.Errorf("node: %q, want %q", tg.Command, want)
	}
	if !strings.Contains(tg.Debug, "127.0.0.1:9229") {
		t.Errorf("node: the line says %q", tg.Debug)
	}
	if tg, err = Detect("app.js", nil, Options{Dir: root, Debug: "9339"}); err != nil || tg.Command[1] != "--inspect=127.0.0.1:9339" {
		t.Errorf("node on a port: %q, %v", tg.Command, err)
	}

	// The stub python3 exits 0 for "import debugpy": the module is importable.
	if tg, err = Detect("app.py", nil, Options{Dir: root, Debug: "on"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"python3", "-m", "debugpy", "--listen", "127.0.0.1:5678", "app.py"}; !slices.Equal(tg.Command, want) {
		t.Errorf("python: %q, want %q", tg.Command, want)
	}
	writeTree(t, bin, map[string]string{"python3*": "#!/bin/sh\nexit 1\n"})
	if _, err = Detect("app.py", nil, Options{Dir: root, Debug: "on"}); err == nil || !strings.Contains(err.Error(), "python3 -m pip install debugpy") {
		t.Errorf("python without debugpy: %v", err)
	}

	if _, err = Detect(".", nil, Options{Dir: root, Debug: "on", CacheDir: t.TempDir()}); err == nil || err.Error() != "--debug needs dlv, which is not installed: go install github.com/go-delve/delve/cmd/dlv@latest" {
		t.Errorf("go without dlv: %v", err)
	}
	writeTree(t, bin, map[string]string{"dlv*": "#!/bin/sh\n"})
	tg, err = Detect(".", []string{"-v"}, Options{Dir: root, Debug: "on", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Cleanup()
	want := []string{filepath.Join(bin, "dlv"), "exec", "--headless", "--continue", "--accept-multiclient", "--api-version=2", "--listen", "127.0.0.1:2345", tg.Output, "--", "-v"}
	if !slices.Equal(tg.Command, want) {
		t.Errorf("go: %q, want %q", tg.Command, want)
	}
	if !slices.Contains(tg.Build, "-gcflags=all=-N -l") || slices.ContainsFunc(tg.Build, func(s string) bool { return strings.HasPrefix(s, "-ldflags") }) {
		t.Errorf("go debug build: %q (want -N -l and DWARF)", tg.Build)
	}
	if _, err := Detect(".", nil, Options{Dir: root, Debug: "on", Exec: "strace"}); err == nil {
		t.Error("--debug with --exec: no error")
	}
	if _, err := Detect(".", nil, Options{Dir: root, Debug: "host:"}); err == nil {
		t.Error("--debug host: accepted")
	}
}
