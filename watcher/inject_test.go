package watcher

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// injector wraps the real notifier: Add fails with ENOSPC from the failFrom-th call on (0:
// never), events are dropped while drop is set, and the test can inject errors and events.
type injector struct {
	real     notifier
	failFrom int
	drop     atomic.Bool
	events   chan []event
	errs     chan error
	done     chan struct{}

	mu    sync.Mutex
	adds  int
	added map[string]int32
}

func newInjector(t *testing.T, failFrom int) func() (notifier, error) {
	return func() (notifier, error) {
		real, err := newKernelNotifier()
		if err != nil {
			return nil, err
		}
		in := &injector{real: real, failFrom: failFrom, events: make(chan []event),
			errs: make(chan error), done: make(chan struct{}), added: map[string]int32{}}
		injectors.Store(t.Name(), in)
		go in.forward()
		return in, nil
	}
}

// injectors finds the injector a test's watcher created.
var injectors sync.Map

func injectorOf(t *testing.T) *injector {
	in, ok := injectors.Load(t.Name())
	if !ok {
		t.Fatal("no injector")
	}
	return in.(*injector)
}

func (in *injector) forward() {
	defer close(in.events)
	ev, errs := in.real.Events(), in.real.Errors()
	for ev != nil || errs != nil {
		select {
		case e, ok := <-ev:
			if !ok {
				ev = nil
				continue
			}
			if in.drop.Load() {
				continue
			}
			select {
			case in.events <- e:
			case <-in.done:
				return
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			select {
			case in.errs <- err:
			case <-in.done:
				return
			}
		}
	}
}

func (in *injector) Add(p string) (int32, error) {
	in.mu.Lock()
	in.adds++
	fail := in.failFrom > 0 && in.adds >= in.failFrom
	in.mu.Unlock()
	if fail {
		return -1, fmt.Errorf("add %q: %w", p, syscall.ENOSPC)
	}
	wd, err := in.real.Add(p)
	if err == nil {
		in.mu.Lock()
		in.added[strings.Clone(p)] = wd
		in.mu.Unlock()
	}
	return wd, err
}

// watchID is the id of the folder at p, and whether it was added.
func (in *injector) watchID(p string) (int32, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	wd, ok := in.added[p]
	return wd, ok
}

// inject sends an event as the kernel would.
func (in *injector) inject(evs ...event) { in.events <- evs }

func (in *injector) Remove(wd int32) error  { return in.real.Remove(wd) }
func (in *injector) Events() <-chan []event { return in.events }
func (in *injector) Errors() <-chan error   { return in.errs }
func (in *injector) Close() error {
	close(in.done)
	return in.real.Close()
}

func TestWatchLimitFallsBackToPolling(t *testing.T) {
	dir := tempDir(t)
	tree(t, dir, "root.go", "a/a.go", "b/b.go", "c/c.go", "d/d.go")
	var warns warnings
	w := start(t, Options{Roots: []string{dir}, Exts: []string{"go"}, Delay: 5 * time.Millisecond, Warnf: warns.f},
		hooks{newNotifier: newInjector(t, 3), pollInterval: 5 * time.Millisecond})
	if st := w.Stats(); st.FoldersWatched != 2 || st.FoldersPolled != 3 {
		t.Fatalf("stats %+v, want 2 watched and 3 polled", st)
	}
	msgs := warns.all()
	if len(msgs) != 1 {
		t.Fatalf("warnings %q, want one", msgs)
	}
	for _, want := range []string{"max_user_watches is", "2 of 5 folders are watched", "other 3 are polled",
		"sudo sysctl fs.inotify.max_user_watches=524288", "/etc/sysctl.d/"} {
		if !strings.Contains(msgs[0], want) {
			t.Errorf("warning %q does not say %q", msgs[0], want)
		}
	}
	// Every folder still reports changes, watched or polled.
	var want []string
	for _, f := range []string{"root.go", "a/a.go", "b/b.go", "c/c.go", "d/d.go"} {
		p := filepath.Join(dir, f)
		write(t, p, "changed: "+f)
		want = append(want, p)
	}
	until(t, w, want...)
	// A folder created later cannot be watched either: it is polled, and said once.
	tree(t, dir, "a/new/n.go")
	until(t, w, filepath.Join(dir, "a/new/n.go"))
	if st := w.Stats(); st.FoldersWatched+st.FoldersPolled != 6 {
		t.Errorf("stats %+v, want 6 folders", st)
	}
	if n := len(warns.all()); n != 1 {
		t.Errorf("%d warnings, want 1", n)
	}
}

func TestInstanceLimitFallsBackToPolling(t *testing.T) {
	dir := tempDir(t)
	tree(t, dir, "a.go", "sub/b.go")
	var warns warnings
	w := start(t, Options{Roots: []string{dir}, Delay: time.Millisecond, Warnf: warns.f}, hooks{
		newNotifier:  func() (notifier, error) { return nil, fmt.Errorf("inotify_init1: %w", syscall.EMFILE) },
		pollInterval: 5 * time.Millisecond,
	})
	if st := w.Stats(); st.FoldersWatched != 0 || st.FoldersPolled != 2 {
		t.Fatalf("stats %+v, want 2 polled", st)
	}
	msgs := warns.all()
	if len(msgs) != 1 || !strings.Contains(msgs[0], "max_user_instances") || !strings.Contains(msgs[0], "sudo sysctl fs.inotify.max_user_instances=") {
		t.Fatalf("warnings %q", msgs)
	}
	write(t, filepath.Join(dir, "sub", "b.go"), "changed")
	until(t, w, filepath.Join(dir, "sub", "b.go"))
}

// waitFSClockPast returns once files are stamped later than t0: the kernel stamps with a
// coarse clock that can lag time.Now by a tick.
func waitFSClockPast(t *testing.T, t0 time.Time) {
	probe := filepath.Join(t.TempDir(), "probe")
	deadline := time.Now().Add(guard)
	for time.Now().Before(deadline) {
		write(t, probe, "x")
		fi, err := lstatPath(probe)
		must(t, err)
		if fi.ctime > t0.UnixNano() {
			return
		}
	}
	t.Fatal("the file system clock does not move")
}

func TestOverflowRescan(t *testing.T) {
	dir := tempDir(t)
	tree(t, dir, "keep.go", "mod.go", "del.go", "notes.txt", "sub/old.go", "gone/x.go", "quiet/q.go")
	rescans := make(chan int, 4)
	var warns warnings
	w := start(t, Options{Roots: []string{dir}, Exts: []string{"go"}, Delay: 5 * time.Millisecond, Warnf: warns.f}, hooks{
		newNotifier: newInjector(t, 0),
		afterRescan: func(found int) { rescans <- found },
		zeroMargin:  true,
	})
	in := injectorOf(t)
	p := func(rel string) string { return filepath.Join(dir, rel) }
	waitFSClockPast(t, time.Now())

	// Only irrelevant changes were lost: the rescan finds nothing, no batch.
	in.drop.Store(true)
	write(t, p("notes.txt"), "changed in place")
	in.inject(event{wd: -1, op: opOverflow})
	if found := <-rescans; found != 0 {
		t.Fatalf("rescan found %d changes, want 0", found)
	}
	// Events still flow after an overflow; this batch would absorb a rescan batch.
	root, _ := in.watchID(dir)
	in.inject(event{wd: root, op: opWrite, name: "keep.go"})
	if b := next(t, w); len(b.Paths) != 1 || b.Paths[0] != p("keep.go") || b.Rescan {
		t.Fatalf("batch %+v, want keep.go alone", b)
	}

	// Relevant changes were lost.
	waitFSClockPast(t, time.Now())
	write(t, p("mod.go"), "changed")
	must(t, os.Remove(p("del.go")))
	tree(t, dir, "fresh/f.go")
	must(t, os.RemoveAll(p("gone")))
	must(t, os.Remove(p("quiet/q.go"))) // a folder whose only change is a deletion
	in.inject(event{wd: -1, op: opOverflow})
	b := next(t, w)
	want := []string{p("fresh/f.go"), p("gone"), p("mod.go"), p("quiet")}
	if !b.Rescan || fmt.Sprint(b.Paths) != fmt.Sprint(want) {
		t.Errorf("batch %+v, want Rescan with %q", b, want)
	}
	if found := <-rescans; found != len(want) {
		t.Errorf("rescan found %d", found)
	}
	if _, ok := in.watchID(p("fresh")); !ok {
		t.Error("the folder found by the rescan is not watched")
	}
	if st := w.Stats(); st.FoldersWatched != 4 { // dir, sub, quiet, fresh
		t.Errorf("stats %+v, want 4 watched", st)
	}
	if msgs := warns.all(); len(msgs) != 1 || !strings.Contains(msgs[0], "overflowed") {
		t.Errorf("warnings %q, want one about the overflow", msgs)
	}
}
