package watcher

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestEndToEnd drives real inotify (kqueue on macOS) through a user's usual operations.
func TestEndToEnd(t *testing.T) { forBackends(t, testEndToEnd) }

func testEndToEnd(t *testing.T, h hooks) {
	dir := tempDir(t)
	tree(t, dir, "main.go", "README.md", "pkg/util.go", "node_modules/x/index.go", "build/out.go")
	write(t, filepath.Join(dir, ".gitignore"), "build/\n")
	w := start(t, Options{Roots: []string{dir}, Exts: []string{"go"}, Delay: 10 * time.Millisecond}, h)
	sentinel := filepath.Join(dir, "sentinel.go")
	st := w.Stats()
	if st.FoldersWatched != 2 { // dir and pkg: node_modules and build are pruned
		t.Errorf("watched %d folders, want 2", st.FoldersWatched)
	}
	p := func(rel string) string { return filepath.Join(dir, rel) }

	t.Run("create", func(t *testing.T) {
		only(t, w, sentinel, func() { write(t, p("new.go"), "package main") }, p("new.go"))
	})
	t.Run("write", func(t *testing.T) {
		only(t, w, sentinel, func() { write(t, p("pkg/util.go"), "package pkg // changed") }, p("pkg/util.go"))
	})
	t.Run("filtered", func(t *testing.T) {
		only(t, w, sentinel, func() {
			write(t, p("README.md"), "changed")
			write(t, p("node_modules/x/index.go"), "changed")
			write(t, p("build/out.go"), "changed")
			write(t, p("main.go.swp"), "swap")
		})
	})
	t.Run("atomic save", func(t *testing.T) {
		// What vim and JetBrains do: probe file, write a temporary file, rename it over.
		got := only(t, w, sentinel, func() {
			write(t, p("4913"), "")
			must(t, os.Remove(p("4913")))
			write(t, p("main.go___jb_tmp___"), "package main // saved")
			must(t, os.Rename(p("main.go___jb_tmp___"), p("main.go")))
		}, p("main.go"))
		n := 0
		for _, b := range got {
			if slices.Contains(b.Paths, p("main.go")) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("main.go in %d batches, want 1", n)
		}
	})
	t.Run("new folder with files", func(t *testing.T) {
		only(t, w, sentinel, func() {
			tree(t, dir, "gen/a/one.go", "gen/a/b/two.go", "gen/notes.txt")
		}, p("gen/a/one.go"), p("gen/a/b/two.go"))
		if got := w.Stats().FoldersWatched; got != 5 {
			t.Errorf("watched %d folders after mkdir, want 5", got)
		}
		only(t, w, sentinel, func() { write(t, p("gen/a/b/three.go"), "x") }, p("gen/a/b/three.go"))
	})
	t.Run("removed folder", func(t *testing.T) {
		only(t, w, sentinel, func() { must(t, os.RemoveAll(p("gen"))) },
			p("gen/a/one.go"), p("gen/a/b/two.go"), p("gen/a/b/three.go"))
		if got := w.Stats().FoldersWatched; got != 2 {
			t.Errorf("watched %d folders after rm -r, want 2", got)
		}
	})
	t.Run("moved folder", func(t *testing.T) {
		tree(t, dir, "moved/m.go")
		until(t, w, p("moved/m.go"))
		outside := tempDir(t)
		only(t, w, sentinel, func() { must(t, os.Rename(p("moved"), filepath.Join(outside, "moved"))) }, p("moved"))
		only(t, w, sentinel, func() { must(t, os.Rename(filepath.Join(outside, "moved"), p("back"))) }, p("back/m.go"))
		if got := w.Stats().FoldersWatched; got != 3 {
			t.Errorf("watched %d folders, want 3", got)
		}
	})
	t.Run("chmod", func(t *testing.T) {
		// An old mtime, as most files have: the chmod that follows moves ctime alone.
		old := time.Now().Add(-time.Hour)
		only(t, w, sentinel, func() {
			must(t, os.Chtimes(p("main.go"), old, old))
			must(t, os.Chmod(p("main.go"), 0o600))
		})
		now := time.Now()
		only(t, w, sentinel, func() { must(t, os.Chtimes(p("main.go"), now, now)) }, p("main.go")) // touch
	})
	t.Run("ignored folder created", func(t *testing.T) {
		only(t, w, sentinel, func() { tree(t, dir, "node_modules/y/z.go", "build/more/x.go") })
		if got := w.Stats().FoldersWatched; got != 3 {
			t.Errorf("watched %d folders, want 3", got)
		}
	})
}

// TestRootGone removes or moves away the watched folder itself: the watcher says so once and
// keeps going; a root moved away counts as a change, as any folder moved away.
func TestRootGone(t *testing.T) {
	forBackends(t, func(t *testing.T, h hooks) {
		for _, moved := range []bool{false, true} {
			t.Run(map[bool]string{false: "removed", true: "moved"}[moved], func(t *testing.T) {
				dir := tempDir(t)
				root := filepath.Join(dir, "root")
				tree(t, dir, "root/a.go")
				warns := make(chan string, 8)
				w := start(t, Options{Roots: []string{root}, Exts: []string{"go"}, Delay: time.Millisecond,
					Warnf: func(format string, args ...any) { warns <- sprintf(format, args...) }}, h)
				if moved {
					must(t, os.Rename(root, filepath.Join(dir, "elsewhere")))
					until(t, w, root)
				} else {
					must(t, os.RemoveAll(root))
					until(t, w, filepath.Join(root, "a.go"))
				}
				select {
				case msg := <-warns:
					if msg != root+" was removed or moved away; it is no longer watched" {
						t.Errorf("warning %q", msg)
					}
				case <-time.After(guard):
					t.Fatal("no warning")
				}
				if st := w.Stats(); st.FoldersWatched != 0 {
					t.Errorf("stats %+v, want nothing watched", st)
				}
			})
		}
	})
}

func TestMissingRoot(t *testing.T) {
	_, err := New(Options{Roots: []string{filepath.Join(t.TempDir(), "nope")}})
	if err == nil {
		t.Fatal("New with a missing root succeeded")
	}
}

func TestCloseClosesBatches(t *testing.T) {
	w, err := New(Options{Roots: []string{t.TempDir()}})
	must(t, err)
	must(t, w.Close())
	if _, ok := <-w.Batches(); ok {
		t.Error("Batches not closed")
	}
	must(t, w.Close())
}
