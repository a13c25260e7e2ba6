package watcher

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestPolling(t *testing.T) {
	dir := tempDir(t)
	tree(t, dir, "main.go", "README.md", "pkg/util.go", "node_modules/x/i.go", "del/d.go", "stay/s.go")
	w := start(t, Options{Roots: []string{dir}, Exts: []string{"go"}, Delay: time.Millisecond, Poll: 2 * time.Millisecond},
		hooks{pollAll: true}) // a whole pass per tick: changes are seen in order, so the sentinel works
	if st := w.Stats(); st.FoldersWatched != 0 || st.FoldersPolled != 4 || st.FilesSeen != 5 {
		t.Fatalf("stats %+v, want 4 polled folders, 5 files, nothing watched", st)
	}
	sentinel := filepath.Join(dir, "sentinel.go")
	p := func(rel string) string { return filepath.Join(dir, rel) }

	t.Run("create", func(t *testing.T) {
		only(t, w, sentinel, func() { write(t, p("new.go"), "package main") }, p("new.go"))
	})
	t.Run("write", func(t *testing.T) {
		only(t, w, sentinel, func() { write(t, p("pkg/util.go"), "package pkg // a longer content") }, p("pkg/util.go"))
	})
	t.Run("filtered", func(t *testing.T) {
		only(t, w, sentinel, func() {
			write(t, p("README.md"), "changed")
			write(t, p("node_modules/x/i.go"), "changed")
			write(t, p("x.go.swp"), "swap")
		})
	})
	t.Run("chmod", func(t *testing.T) {
		only(t, w, sentinel, func() { must(t, os.Chmod(p("main.go"), 0o600)) })
	})
	t.Run("atomic save", func(t *testing.T) {
		only(t, w, sentinel, func() {
			write(t, p("main.go.tmp"), "package main // saved atomically")
			must(t, os.Rename(p("main.go.tmp"), p("main.go")))
		}, p("main.go"))
	})
	t.Run("deleted file is reported by its folder", func(t *testing.T) {
		only(t, w, sentinel, func() { must(t, os.Remove(p("stay/s.go"))) }, p("stay"))
	})
	t.Run("new folder with files", func(t *testing.T) {
		only(t, w, sentinel, func() { tree(t, dir, "gen/a/one.go", "gen/a/b/two.go") },
			p("gen/a/one.go"), p("gen/a/b/two.go"))
		if st := w.Stats(); st.FoldersPolled != 7 {
			t.Errorf("stats %+v, want 7 polled", st)
		}
	})
	t.Run("removed folder", func(t *testing.T) {
		only(t, w, sentinel, func() { must(t, os.RemoveAll(p("del"))) }, p("del"))
		if st := w.Stats(); st.FoldersPolled != 6 {
			t.Errorf("stats %+v, want 6 polled", st)
		}
	})
	t.Run("gitignore change", func(t *testing.T) {
		// Ignoring gen/ forgets it; nothing is reported (.gitignore is not a .go file).
		only(t, w, sentinel, func() { write(t, p(".gitignore"), "gen/\n") })
		if st := w.Stats(); st.FoldersPolled != 3 {
			t.Errorf("stats %+v, want 3 polled", st)
		}
		only(t, w, sentinel, func() { write(t, p("gen/a/one.go"), "changed, ignored") })
		// And back: gen/ is walked again, quietly.
		only(t, w, sentinel, func() { must(t, os.Remove(p(".gitignore"))) })
		only(t, w, sentinel, func() { write(t, p("gen/a/b/two.go"), "changed, seen again") }, p("gen/a/b/two.go"))
	})
}

func TestGitignoreChangeWhileWatching(t *testing.T) {
	dir := tempDir(t)
	tree(t, dir, "a.go", "out/o.go")
	w := start(t, Options{Roots: []string{dir}, Exts: []string{"go"}, Delay: time.Millisecond}, hooks{})
	sentinel := filepath.Join(dir, "sentinel.go")
	p := func(rel string) string { return filepath.Join(dir, rel) }
	only(t, w, sentinel, func() { write(t, p(".gitignore"), "out/\n") })
	if st := w.Stats(); st.FoldersWatched != 1 {
		t.Errorf("stats %+v, want out/ unwatched", st)
	}
	only(t, w, sentinel, func() { write(t, p("out/o.go"), "ignored now") })
	only(t, w, sentinel, func() { write(t, p(".gitignore"), "# nothing\n") })
	only(t, w, sentinel, func() { write(t, p("out/o.go"), "seen again") }, p("out/o.go"))
}

// TestPollingBudget runs the real schedule (a budget per tick, hot folders first) on a tree
// too big for one tick at this interval: every change is found, over several ticks.
func TestPollingBudget(t *testing.T) {
	dir := tempDir(t)
	var files []string
	for i := 0; i < 300; i++ {
		files = append(files, filepath.Join("d"+itoa(i/30), "e"+itoa(i), "f.go"))
	}
	tree(t, dir, files...)
	w := start(t, Options{Roots: []string{dir}, Delay: time.Millisecond, Poll: time.Millisecond}, hooks{})
	var want []string
	for i := 0; i < len(files); i += 37 {
		p := filepath.Join(dir, files[i])
		write(t, p, "changed: a longer content")
		want = append(want, p)
	}
	until(t, w, want...)
	// The folder just changed is hot: it is read first at every tick.
	again := filepath.Join(dir, files[0])
	write(t, again, "changed again: longer still")
	until(t, w, again)
}

func itoa(i int) string { return strconv.Itoa(i) }
