//go:build linux

package watcher

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestKernelQueueOverflow overflows the kernel's real event queue: the loop is held while
// more events are made than fs.inotify.max_queued_events, then a file is written whose event
// the kernel drops. The overflow must reach the loop through the backend and its rescan
// must find that file.
func TestKernelQueueOverflow(t *testing.T) {
	data, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	must(t, err)
	limit, err := strconv.Atoi(strings.TrimSpace(string(data)))
	must(t, err)
	if limit > 1<<17 {
		t.Skipf("max_queued_events is %d: too many events to make", limit)
	}
	forBackends(t, func(t *testing.T, h hooks) {
		dir := tempDir(t)
		tree(t, dir, "a.go", "b.go", "trigger.go")
		var hold atomic.Bool
		held, release := make(chan struct{}), make(chan struct{})
		h.afterStep = func() {
			if hold.Load() {
				held <- struct{}{}
				<-release
			}
		}
		var warns warnings
		w := start(t, Options{Roots: []string{dir}, Exts: []string{"go"}, Delay: time.Millisecond, Warnf: warns.f}, h)
		p := func(rel string) string { return filepath.Join(dir, rel) }

		hold.Store(true)
		write(t, p("trigger.go"), "wake the loop up")
		<-held // the loop waits in afterStep: nobody takes events any more
		hold.Store(false)
		// Alternate two files: the kernel merges an event identical to the last one queued.
		fa, err := os.OpenFile(p("a.go"), os.O_WRONLY|os.O_APPEND, 0)
		must(t, err)
		fb, err := os.OpenFile(p("b.go"), os.O_WRONLY|os.O_APPEND, 0)
		must(t, err)
		// The backend reads a few chunks ahead of the loop: make that many more.
		for i := 0; i < limit/2+4096; i++ {
			_, err := fa.Write([]byte{'x'})
			must(t, err)
			_, err = fb.Write([]byte{'x'})
			must(t, err)
		}
		must(t, fa.Close())
		must(t, fb.Close())
		write(t, p("lost.go"), "its event does not fit in the queue")
		close(release)

		var rescanned bool
		for _, b := range until(t, w, p("lost.go")) {
			if b.Rescan {
				rescanned = true
			}
		}
		if !rescanned {
			t.Error("lost.go was not reported by a rescan")
		}
		if msgs := warns.all(); len(msgs) != 1 || !strings.Contains(msgs[0], "overflowed") {
			t.Errorf("warnings %q, want one about the overflow", msgs)
		}
	})
}
