package target

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func binaryOf(t *testing.T, tg *Target) string {
	t.Helper()
	i := slices.Index(tg.Build, "-o")
	if i < 0 {
		t.Fatalf("no -o in %q", tg.Build)
	}
	return tg.Build[i+1]
}

func TestDefaultCacheDirAndCleanup(t *testing.T) {
	root, cacheHome := t.TempDir(), t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module m\n", "main.go": mainGo})
	fakePath(t, true)
	t.Setenv("XDG_CACHE_HOME", cacheHome)
	t.Setenv("HOME", cacheHome) // darwin's UserCacheDir is under HOME

	tg, err := Detect(".", nil, Options{Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	bin := binaryOf(t, tg)
	ucd, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if !within(bin, filepath.Join(ucd, "devrun")) {
		t.Fatalf("binary %s is not under %s", bin, filepath.Join(ucd, "devrun"))
	}
	if fi, err := os.Stat(filepath.Dir(bin)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("binary folder: %v, mode %v; want a private 0700 folder", err, fi.Mode())
	}
	tg.Cleanup()
	tg.Cleanup()
	if _, err := os.Stat(filepath.Dir(bin)); !os.IsNotExist(err) {
		t.Fatalf("binary folder still there after Cleanup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(ucd, "devrun")); err != nil {
		t.Fatalf("Cleanup removed the shared cache root: %v", err)
	}
}

// TestCacheNeverInWatchedTree covers a home folder that is itself the module (a dotfiles repo):
// the default cache would be inside the watched tree, so devrun must pick the temp folder.
func TestCacheNeverInWatchedTree(t *testing.T) {
	root, tmp := t.TempDir(), t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module m\n", "main.go": mainGo})
	fakePath(t, true)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(root, ".cache"))
	t.Setenv("HOME", root)
	t.Setenv("TMPDIR", tmp)

	tg, err := Detect(".", nil, Options{Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Cleanup()
	if bin := binaryOf(t, tg); within(bin, root) || !within(bin, tmp) {
		t.Fatalf("binary %s: want it under the temp folder %s, outside the module %s", bin, tmp, root)
	}
}

// TestExplicitCacheInsideTreeIsIgnored: a cache folder the user put inside the module cannot be
// moved, so the watcher is told to skip it.
func TestExplicitCacheInsideTreeIsIgnored(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module m\n", "main.go": mainGo})
	fakePath(t, true)
	tg, err := Detect(".", nil, Options{Dir: root, CacheDir: filepath.Join(root, "tmp")})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Cleanup()
	rel, _ := filepath.Rel(root, filepath.Dir(binaryOf(t, tg)))
	want := filepath.ToSlash(rel) + "/**"
	if !slices.Contains(tg.Ignore, want) || !strings.HasPrefix(want, "tmp/") {
		t.Fatalf("Ignore = %q, want it to hold %q", tg.Ignore, want)
	}
}

// TestEachDetectOwnsItsBinary: two processes of one config may run the same package.
func TestEachDetectOwnsItsBinary(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module m\n", "main.go": mainGo})
	fakePath(t, true)
	a, err := Detect(".", nil, Options{Dir: root, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Detect(".", nil, Options{Dir: root, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	binA, binB := binaryOf(t, a), binaryOf(t, b)
	if binA == binB {
		t.Fatalf("both detections build to %s", binA)
	}
	a.Cleanup()
	if _, err := os.Stat(filepath.Dir(binB)); err != nil {
		t.Fatalf("cleaning one target removed the other's folder: %v", err)
	}
	b.Cleanup()
}
