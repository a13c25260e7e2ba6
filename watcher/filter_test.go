package watcher

import (
	"path/filepath"
	"strings"
	"testing"
)

// filterState builds a state with root /r and the folders a test names, without touching
// the disk; gitignores maps a folder ("" for the root) to its .gitignore text.
func filterState(t *testing.T, opts Options, gitignores map[string]string) (*state, func(dir string) *folder) {
	t.Helper()
	s := newState(opts, hooks{}, &Watcher{})
	var err error
	r := &root{path: "/r"}
	r.ignore, err = compileGlobs("ignore", opts.Ignore, r.path)
	must(t, err)
	r.files, err = compileGlobs("files", opts.Files, r.path)
	must(t, err)
	top := s.newTop("/r", r)
	folderAt := func(dir string) *folder {
		f := top
		if dir == "" {
			return f
		}
		for _, name := range strings.Split(dir, "/") {
			g := s.child(f, name)
			if g == nil {
				g = s.newFolder(f, name)
			}
			f = g
		}
		return f
	}
	for dir, text := range gitignores {
		folderAt(dir).extra().ign = parseGitignore([]byte(text))
	}
	return s, folderAt
}

func TestFilters(t *testing.T) {
	type check struct {
		path   string // relative to the root; a trailing "/" checks a folder
		counts bool   // file: counts as a change; folder: walked (not pruned)
	}
	cases := []struct {
		name   string
		opts   Options
		ignore map[string]string
		checks []check
	}{
		{
			name:   "no filters: every file",
			opts:   Options{NoDefaultIgnores: true},
			checks: []check{{"a.go", true}, {"Makefile", true}, {"x/y/z", true}, {".git/", true}},
		},
		{
			name: "exts with or without dots",
			opts: Options{Exts: []string{"go", ".html", "*.tmpl", "tar.gz"}},
			checks: []check{
				{"main.go", true}, {"a/b/page.html", true}, {"t.tmpl", true}, {"x.tar.gz", true},
				{"main.gox", false}, {"README.md", false}, {"go", false}, {".go", false}, {"x.gz", false},
			},
		},
		{
			name: "default ignores",
			opts: Options{},
			checks: []check{
				{".git/", false}, {"a/.hg/", false}, {"node_modules/", false}, {"x/__pycache__/", false},
				{".idea/", false}, {".vscode/", false}, {".svn/", false}, {".jj/", false}, {".devrun/", false},
				{"main.go.swp", false}, {".main.go.swo", false}, {"main.go~", false}, {".#main.go", false},
				{"#main.go#", false}, {"x.tmp", false}, {"main.go___jb_tmp___", false},
				{"main.go___jb_old___", false}, {"4913", false}, {".DS_Store", false},
				{"main.go", true}, {"src/", true}, {"#notes", true}, {"a#b#", true}, {"49130", true},
			},
		},
		{
			name:   "default ignores off",
			opts:   Options{NoDefaultIgnores: true},
			checks: []check{{".git/", true}, {"node_modules/", true}, {"x.swp", true}, {"4913", true}},
		},
		{
			name: "ignore globs",
			opts: Options{Ignore: []string{"*.log", "tmp/", "gen/**", "/only-top.go", "docs/*.md",
				"**/testdata/**", "./dot/", "**/*_test.go", "/r/abs/"}},
			checks: []check{
				{"x.log", false}, {"a/b/x.log", false},
				{"tmp/", false}, {"a/tmp/", false}, {"tmp", true}, // "tmp/" is for folders only
				{"gen/", false}, {"a/gen/", true},
				{"only-top.go", false}, {"a/only-top.go", true},
				{"docs/a.md", false}, {"a/docs/a.md", true}, {"docs/x/a.md", true},
				{"testdata/", false}, {"a/testdata/", false},
				{"dot/", false},
				{"x_test.go", false}, {"a/x_test.go", false}, {"x.go", true},
				{"abs/", false}, {"a/abs/", true},
			},
		},
		{
			name: "files count whatever the extension",
			opts: Options{Exts: []string{"go"}, Files: []string{"go.mod", "static/**", "tpl/*.html"}},
			checks: []check{
				{"go.mod", true}, {"sub/go.mod", true}, {"go.sum", false},
				{"static/app.js", true}, {"static/css/x.css", true},
				{"tpl/a.html", true}, {"tpl/x/a.html", false}, {"b.html", false},
			},
		},
		{
			name:   "files win over .gitignore and defaults, not over ignore",
			opts:   Options{Exts: []string{"go"}, Files: []string{"web/dist/**", "*.tmp"}, Ignore: []string{"web/dist/big/"}},
			ignore: map[string]string{"": "dist/\n*.tmp\n"},
			checks: []check{
				{"web/", true}, {"web/dist/", true}, {"web/dist/app.js", true}, {"web/dist/big/", false},
				{"dist/", false}, {"other/dist/", false},
				{"x.tmp", true},
			},
		},
		{
			name:   ".gitignore, nearest file wins",
			opts:   Options{},
			ignore: map[string]string{"": "*.gen\nout/\n", "sub": "!*.gen\n/local\n"},
			checks: []check{
				{"a.gen", false}, {"sub/a.gen", true}, {"sub/x/a.gen", true},
				{"out/", false}, {"sub/out/", false},
				{"sub/local", false}, {"sub/x/local", true}, {"local", true},
			},
		},
		{
			name:   ".gitignore off",
			opts:   Options{NoGitignore: true},
			ignore: map[string]string{"": "*\n"},
			checks: []check{{"a.go", true}, {"x/", true}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, folderAt := filterState(t, c.opts, c.ignore)
			for _, ch := range c.checks {
				p := strings.TrimSuffix(ch.path, "/")
				dir, name := filepath.Split(p)
				parent := folderAt(strings.TrimSuffix(dir, "/"))
				var got bool
				if strings.HasSuffix(ch.path, "/") {
					got = !s.dirPruned(parent, name)
				} else {
					got = s.fileRelevant(parent, name)
				}
				if got != ch.counts {
					t.Errorf("%s: counts=%v, want %v", ch.path, got, ch.counts)
				}
			}
		})
	}
}

func TestBadGlob(t *testing.T) {
	if _, err := New(Options{Roots: []string{t.TempDir()}, Ignore: []string{"[x"}}); err == nil {
		t.Error("a bad ignore glob was accepted")
	}
}

func TestFileRoot(t *testing.T) {
	dir := tempDir(t)
	tree(t, dir, "config.yaml", "other.yaml", "sub/x.go")
	cfg := filepath.Join(dir, "config.yaml")
	w := start(t, Options{Roots: []string{cfg}, Exts: []string{"go"}, Delay: 5e6}, hooks{})
	// Events come in order: if the other files counted, they would be in the first batch.
	write(t, filepath.Join(dir, "other.yaml"), "changed")
	write(t, filepath.Join(dir, "sub", "x.go"), "changed")
	write(t, cfg, "changed")
	b := next(t, w)
	if len(b.Paths) != 1 || b.Paths[0] != cfg {
		t.Errorf("batch %+v, want only %s", b, cfg)
	}
	if st := w.Stats(); st.FoldersWatched != 1 {
		t.Errorf("stats %+v: want the file's folder alone watched", st)
	}
}
