package target

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestGoWatchClassify runs go list on a workspace and checks what each kind of file is.
func TestGoWatchClassify(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	ws := t.TempDir()
	writeTree(t, ws, map[string]string{
		"go.work":    "go 1.21\n\nuse (\n\t./app // the program\n\t\"./lib\"\n)\n",
		"app/go.mod": "module example.com/app\n\ngo 1.21\n\nreplace example.com/other => ../other\n",
		"app/main.go": "package main\n\nimport (\n\t_ \"embed\"\n\t_ \"example.com/app/web\"\n\t_ \"example.com/lib\"\n)\n\n" +
			"//go:embed static\nvar static string\n\nfunc main() {}\n",
		"app/main_test.go":         "package main\n",
		"app/off.go":               "//go:build never\n\npackage main\n",
		"app/static/site.css":      "",
		"app/web/web.go":           "package web\n",
		"app/web/templates/a.html": "",
		"app/unused/unused.go":     "package unused\n",
		"app/nested/go.mod":        "module example.com/nested\n\ngo 1.21\n",
		"app/nested/x.go":          "package nested\n",
		"app/nested/t/page.html":   "",
		"app/README.md":            "",
		"lib/go.mod":               "module example.com/lib\n\ngo 1.21\n",
		"lib/lib.go":               "package lib\n\n// #include \"lib.h\"\nimport \"C\"\n",
		"lib/lib.h":                "",
		"lib/lib.c":                "",
		"other/go.mod":             "module example.com/other\n\ngo 1.21\n",
		"other/other.go":           "package other\n",
	})
	t.Setenv("GOWORK", "")
	t.Setenv("GOFLAGS", "")
	tg, err := Detect(".", nil, Options{Dir: filepath.Join(ws, "app"), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Cleanup()
	wantRoots := []string{filepath.Join(ws, "app"), filepath.Join(ws, "lib"), filepath.Join(ws, "other"), filepath.Join(ws, "go.work")}
	if !slices.Equal(tg.WatchRoots, wantRoots) {
		t.Fatalf("roots %q, want %q", tg.WatchRoots, wantRoots)
	}
	g := tg.GoWatch
	p := func(rel string) string { return filepath.Join(ws, rel) }
	// Before a build: the whole module but nested modules.
	for rel, want := range map[string]Change{
		"app/unused/unused.go": Input, "app/nested/x.go": NotPart, "app/web/templates/a.html": Template,
		"app/static/site.css": Input, "app/README.md": NotPart, "lib/lib.c": Input,
	} {
		if got := g.Classify(p(rel)); got != want {
			t.Errorf("before go list, %s is %v, want %v", rel, got, want)
		}
	}
	st, err := g.Refresh(context.Background(), nil, true, tg.WatchRoots)
	if err != nil {
		t.Fatal(err)
	}
	if st.Packages != 3 || len(st.Outside) != 0 {
		t.Errorf("stats %+v, want 3 packages, none outside", st)
	}
	for rel, want := range map[string]Change{
		"app/main.go": Input, "app/off.go": Input, "app/new.go": Input, "app/main_test.go": NotPart,
		"app/static/site.css": Input, "app/static/new.css": Input,
		"app/web/web.go": Input, "app/web/templates/a.html": Template,
		"app/unused/unused.go": NotPart, "app/nested/x.go": NotPart, "app/nested/t/page.html": NotPart,
		"app/README.md": NotPart, "app/go.mod": Input, "app/go.sum": Input,
		"lib/lib.go": Input, "lib/lib.h": Input, "lib/lib.c": Input, "lib/go.mod": Input,
		"go.work": Input, "go.work.sum": Input,
		"other/other.go": NotPart, // replaced but not imported
	} {
		if got := g.Classify(p(rel)); got != want {
			t.Errorf("%s is %v, want %v", rel, got, want)
		}
	}
}

func TestModDirectives(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"go.mod": `module x

replace a => ./a
replace b v1.0.0 => ../b // a comment
replace c => example.com/c v1.2.3
replace (
	d => "/abs/d"
	e v0.1.0 => e2 v0.2.0
)
use ./not-in-go.mod-but-parsed
`})
	uses, replaces := modDirectives(filepath.Join(dir, "go.mod"))
	if want := []string{"./a", "../b", "/abs/d"}; !slices.Equal(replaces, want) {
		t.Errorf("replaces %q, want %q", replaces, want)
	}
	if want := []string{"./not-in-go.mod-but-parsed"}; !slices.Equal(uses, want) {
		t.Errorf("uses %q, want %q", uses, want)
	}
}

func TestBuildFlagsForGoList(t *testing.T) {
	got := listFlagsOf([]string{"-o", "x", "-v", "-tags", "dev", "-race", "-x", "-mod=vendor", "--a"})
	if want := []string{"-tags", "dev", "-race", "-mod=vendor"}; !slices.Equal(got, want) {
		t.Errorf("listFlagsOf = %q, want %q", got, want)
	}
}

func TestLinkFlags(t *testing.T) {
	fakePath(t, true)
	root := t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module x\n", "main.go": mainGo})
	build := func(opts Options) []string {
		t.Helper()
		opts.Dir, opts.CacheDir = root, t.TempDir()
		tg, err := Detect(".", nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		tg.Cleanup()
		return tg.Build[4 : len(tg.Build)-1] // between "-o BIN" and the package
	}
	t.Setenv("GOFLAGS", "")
	if got := build(Options{}); !slices.Equal(got, []string{"-ldflags=-w"}) {
		t.Errorf("default flags %q", got)
	}
	if got := build(Options{BuildFlags: []string{"-ldflags", "-X main.v=1"}}); !slices.Equal(got, []string{"-ldflags", "-X main.v=1"}) {
		t.Errorf("with the user's -ldflags: %q", got)
	}
	t.Setenv("GOFLAGS", "-buildvcs=false -ldflags=-s")
	if got := build(Options{}); !slices.Equal(got, []string{"-ldflags=-s -w"}) {
		t.Errorf("with GOFLAGS -ldflags: %q", got)
	}
}
