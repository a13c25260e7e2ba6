package watcher

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// guard bounds every wait: a missing batch fails the test instead of hanging it. It is not a
// timing assertion; on a healthy machine batches come in milliseconds.
const guard = 20 * time.Second

// start creates a watcher that is closed when the test ends.
func start(t *testing.T, opts Options, h hooks) *Watcher {
	t.Helper()
	w, err := newWatcher(opts, h)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// tree creates files (content = their name) and folders (names ending in "/") under dir.
func tree(t *testing.T, dir string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		full := filepath.Join(dir, p)
		if strings.HasSuffix(p, "/") {
			must(t, os.MkdirAll(full, 0o755))
			continue
		}
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, []byte(p), 0o644))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	must(t, os.WriteFile(path, []byte(content), 0o644))
}

// tempDir is t.TempDir with symlinks resolved, so that reported paths compare equal.
func tempDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	must(t, err)
	return d
}

// next receives one batch.
func next(t *testing.T, w *Watcher) Batch {
	t.Helper()
	select {
	case b, ok := <-w.Batches():
		if !ok {
			t.Fatal("Batches closed")
		}
		return b
	case <-time.After(guard):
		t.Fatal("no batch")
	}
	return Batch{}
}

// until receives batches until every path in want has been seen, and returns them all.
func until(t *testing.T, w *Watcher, want ...string) []Batch {
	t.Helper()
	var got []Batch
	missing := map[string]bool{}
	for _, p := range want {
		missing[p] = true
	}
	for len(missing) > 0 {
		b := next(t, w)
		checkBatch(t, b)
		got = append(got, b)
		for _, p := range b.Paths {
			delete(missing, p)
		}
	}
	return got
}

// checkBatch checks a batch's promises: absolute, clean, sorted, unique paths.
func checkBatch(t *testing.T, b Batch) {
	t.Helper()
	if len(b.Paths) == 0 {
		t.Errorf("empty batch %+v", b)
	}
	for i, p := range b.Paths {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			t.Errorf("path %q is not absolute and clean", p)
		}
		if i > 0 && b.Paths[i-1] >= p {
			t.Errorf("paths not sorted and unique: %q", b.Paths)
		}
	}
}

// sentinels numbers the sentinel files of only, whose names start with sentinelBase.
var sentinels atomic.Int64

const sentinelBase = "sentinel-"

// only does action, then creates a sentinel file (named after sentinel, new each time) and
// collects batches until the sentinel shows up. Since the watcher reports in order, everything
// the action caused has arrived by then: the union of the batches must be want plus the
// sentinel. It returns the batches. The sentinel is a new file, not a rewritten one, because a
// poll reads a folder's names and then their states: a rewrite could be seen by a poll that
// listed the folder before the action, while a new name is only in a listing made after it.
func only(t *testing.T, w *Watcher, sentinel string, action func(), want ...string) []Batch {
	t.Helper()
	action()
	ext := filepath.Ext(sentinel)
	sentinel = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(sentinel, ext), sentinels.Add(1), ext)
	if !strings.HasPrefix(filepath.Base(sentinel), sentinelBase) {
		t.Fatalf("sentinel %s: its name must start with %q", sentinel, sentinelBase)
	}
	write(t, sentinel, time.Now().String())
	got := until(t, w, sentinel)
	seen := map[string]bool{}
	for _, b := range got {
		for _, p := range b.Paths {
			seen[p] = true
		}
	}
	for p := range seen {
		if strings.HasPrefix(filepath.Base(p), sentinelBase) {
			delete(seen, p) // this one, or one before it seen again: created, then written
		}
	}
	var extra, missing []string
	for p := range seen {
		if !slices.Contains(want, p) {
			extra = append(extra, p)
		}
	}
	for _, p := range want {
		if !seen[p] {
			missing = append(missing, p)
		}
	}
	if len(extra) > 0 || len(missing) > 0 {
		t.Errorf("batches %+v: unexpected %q, missing %q", got, extra, missing)
	}
	return got
}

// warnings records Warnf calls.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) f(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, sprintf(format, args...))
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.msgs)
}
