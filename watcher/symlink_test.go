package watcher

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSymlinkNotFollowedByDefault(t *testing.T) {
	dir, outside := tempDir(t), tempDir(t)
	tree(t, outside, "x.go")
	must(t, os.Symlink(outside, filepath.Join(dir, "link")))
	w := start(t, Options{Roots: []string{dir}, Delay: time.Millisecond}, hooks{})
	if st := w.Stats(); st.FoldersWatched != 1 {
		t.Fatalf("stats %+v: the symlinked folder is watched", st)
	}
	only(t, w, filepath.Join(dir, "sentinel"), func() { write(t, filepath.Join(outside, "x.go"), "changed") })
}

func TestSymlinkFollowed(t *testing.T) {
	for _, poll := range []time.Duration{0, 2 * time.Millisecond} {
		t.Run(map[bool]string{true: "poll", false: "notify"}[poll > 0], func(t *testing.T) {
			dir, outside := tempDir(t), tempDir(t)
			tree(t, outside, "x.go", "deep/y.go")
			must(t, os.Symlink(outside, filepath.Join(dir, "link")))
			w := start(t, Options{Roots: []string{dir}, Delay: time.Millisecond, Poll: poll, FollowSymlinks: true}, hooks{pollAll: true})
			if st := w.Stats(); st.FoldersWatched+st.FoldersPolled != 3 {
				t.Fatalf("stats %+v, want 3 folders", st)
			}
			only(t, w, filepath.Join(dir, "sentinel"), func() { write(t, filepath.Join(outside, "deep", "y.go"), "changed") },
				filepath.Join(dir, "link", "deep", "y.go"))
		})
	}
}

// TestSymlinkLoops follows links to an ancestor, to the folder itself and a second link to
// the same folder: each real folder is walked once and New returns.
func TestSymlinkLoops(t *testing.T) {
	for _, poll := range []time.Duration{0, 2 * time.Millisecond} {
		t.Run(map[bool]string{true: "poll", false: "notify"}[poll > 0], func(t *testing.T) {
			dir := tempDir(t)
			tree(t, dir, "a/f.go")
			must(t, os.Symlink(dir, filepath.Join(dir, "a", "up")))
			must(t, os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "a", "self")))
			must(t, os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "b")))
			w := start(t, Options{Roots: []string{dir}, Delay: time.Millisecond, Poll: poll, FollowSymlinks: true}, hooks{pollAll: true})
			if st := w.Stats(); st.FoldersWatched+st.FoldersPolled != 2 {
				t.Fatalf("stats %+v, want 2 folders (the root and a)", st)
			}
			// A new link loop made while watching ends too.
			only(t, w, filepath.Join(dir, "sentinel"), func() {
				must(t, os.Symlink(dir, filepath.Join(dir, "a", "up2")))
				write(t, filepath.Join(dir, "a", "g.go"), "new")
			}, filepath.Join(dir, "a", "g.go"))
			if st := w.Stats(); st.FoldersWatched+st.FoldersPolled != 2 {
				t.Fatalf("stats %+v, want 2 folders", st)
			}
		})
	}
}
