package watcher

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// debounceRig is a watcher on a real folder with a fake notifier and a fake clock: the test
// sends events and moves time, and nothing sleeps.
type debounceRig struct {
	t     *testing.T
	dir   string
	w     *Watcher
	n     *fakeNotifier
	clk   *fakeClock
	steps stepper
}

func newDebounceRig(t *testing.T, delay time.Duration, prefill ...string) *debounceRig {
	r := &debounceRig{t: t, dir: tempDir(t), n: newFakeNotifier(), clk: newFakeClock(), steps: newStepper()}
	tree(t, r.dir, "a.go", "b.go", "README.md")
	for _, name := range prefill {
		r.n.events <- []event{r.write(name)}
	}
	r.w = start(t, Options{Roots: []string{r.dir}, Exts: []string{"go"}, Delay: delay}, hooks{
		newNotifier: func() (notifier, error) { return r.n, nil },
		clock:       r.clk,
		afterStep:   r.steps.hook(),
	})
	return r
}

func (r *debounceRig) path(name string) string { return filepath.Join(r.dir, name) }

// write is the event of a write to the file name of the root.
func (r *debounceRig) write(name string) event {
	return event{wd: r.n.id(r.dir), op: opWrite, name: name}
}

// save delivers a write event for name and waits until the loop has handled it.
func (r *debounceRig) save(name string) {
	r.n.events <- []event{r.write(name)}
	r.steps.wait(r.t)
}

// advance moves the clock; if a timer fires, it waits for the loop to handle it.
func (r *debounceRig) advance(d time.Duration) {
	if r.clk.Advance(d) > 0 {
		r.steps.wait(r.t)
	}
}

// noBatch checks that no batch is waiting.
func (r *debounceRig) noBatch() {
	r.t.Helper()
	select {
	case b := <-r.w.Batches():
		r.t.Fatalf("unexpected batch %+v", b)
	default:
	}
}

func (r *debounceRig) expect(names ...string) {
	r.t.Helper()
	b := next(r.t, r.w)
	var want []string
	for _, n := range names {
		want = append(want, r.path(n))
	}
	if !slices.Equal(b.Paths, want) || b.Rescan {
		r.t.Fatalf("batch %+v, want %q", b, want)
	}
}

func TestDebounceBurstGivesOneBatch(t *testing.T) {
	const delay = 25 * time.Millisecond
	r := newDebounceRig(t, delay)
	for i := 0; i < 5; i++ {
		if i > 0 {
			r.advance(20 * time.Millisecond)
		}
		r.save("a.go")
		r.noBatch()
	}
	r.advance(delay - time.Nanosecond)
	r.noBatch()
	r.advance(time.Nanosecond) // exactly delay after the last save
	r.expect("a.go")
	r.advance(time.Hour)
	r.noBatch()
}

func TestDebounceSingleSaveAfterExactlyDelay(t *testing.T) {
	const delay = 25 * time.Millisecond
	r := newDebounceRig(t, delay)
	r.save("a.go")
	r.advance(delay - time.Nanosecond)
	r.noBatch()
	if r.clk.armed() != 1 {
		t.Fatalf("%d timers armed, want the flush timer", r.clk.armed())
	}
	r.advance(time.Nanosecond)
	r.expect("a.go")
}

func TestDebounceFilteredEventsDoNotStartOrExtend(t *testing.T) {
	const delay = 25 * time.Millisecond
	r := newDebounceRig(t, delay)
	r.save("README.md")
	r.save("a.go.swp")
	if n := r.clk.armed(); n != 0 {
		t.Fatalf("filtered events armed %d timers", n)
	}
	r.save("a.go")
	r.advance(20 * time.Millisecond)
	r.save("README.md") // must not push the batch back
	r.advance(5 * time.Millisecond)
	r.expect("a.go")
}

func TestDebounceDelayZeroBatchPerRead(t *testing.T) {
	// Events already queued when the loop wakes up are one read: one batch, at once.
	r := newDebounceRig(t, 0, "a.go", "b.go", "README.md", "a.go")
	r.steps.wait(t)
	r.expect("a.go", "b.go")
	if n := r.clk.armed(); n != 0 {
		t.Fatalf("delay 0 armed %d timers", n)
	}
	r.save("b.go")
	r.expect("b.go")
}

func TestDebounceSlowReceiverGetsMergedBatch(t *testing.T) {
	const delay = 10 * time.Millisecond
	r := newDebounceRig(t, delay)
	r.save("a.go")
	r.advance(delay) // batch 1 is ready, nobody receives it
	r.save("b.go")
	r.advance(delay) // batch 2 merges into it
	r.expect("a.go", "b.go")
	r.noBatch()
}

func TestMergeBatch(t *testing.T) {
	got := mergeBatch(Batch{Paths: []string{"/a", "/c"}}, Batch{Paths: []string{"/b", "/c"}, Rescan: true})
	if !slices.Equal(got.Paths, []string{"/a", "/b", "/c"}) || !got.Rescan {
		t.Errorf("merged %+v", got)
	}
}
