package target

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree creates files under root; a name ending in "*" is created executable (without the *).
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o755
		}
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// fakePath sets PATH to a folder of stub programs (names given), plus the real go toolchain's
// folder when withGo, so that detection does not depend on what the machine has installed.
func fakePath(t *testing.T, withGo bool, programs ...string) string {
	t.Helper()
	bin := t.TempDir()
	for _, p := range programs {
		writeTree(t, bin, map[string]string{p + "*": "#!/bin/sh\nexit 0\n"})
	}
	path := bin
	if withGo {
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Skip("no go toolchain on PATH")
		}
		path += string(os.PathListSeparator) + filepath.Dir(goBin)
	}
	t.Setenv("PATH", path)
	return bin
}

const mainGo = "package main\n\nfunc main() {}\n"

func lookPathIn(name string) (string, error) { return exec.LookPath(name) }
