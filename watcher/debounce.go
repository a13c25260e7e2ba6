package watcher

import (
	"slices"
	"time"
)

// debouncer gathers changed paths until the quiet period after the last one has passed. It
// is a plain state machine over times it is given, so that tests drive it with a fake clock.
type debouncer struct {
	delay       time.Duration
	paths       map[string]struct{}
	last        time.Time // when the last relevant change arrived
	rescan      bool      // an overflow rescan is due at the next flush
	rescanSince int64     // ... for changes at or after this time (ns)
}

// add records a changed path; it starts or extends the quiet period.
func (d *debouncer) add(p string, now time.Time) {
	if d.paths == nil {
		d.paths = make(map[string]struct{})
	}
	d.paths[p] = struct{}{}
	d.last = now
}

func (d *debouncer) pending() bool { return len(d.paths) > 0 || d.rescan }

// wait is how long until the batch is due; <= 0 means now.
func (d *debouncer) wait(now time.Time) time.Duration {
	return d.last.Add(d.delay).Sub(now)
}

func (d *debouncer) count() int { return len(d.paths) }

// take returns the gathered paths, sorted, and starts afresh.
func (d *debouncer) take() []string {
	if len(d.paths) == 0 {
		return nil
	}
	out := make([]string, 0, len(d.paths))
	for p := range d.paths {
		out = append(out, p)
	}
	slices.Sort(out)
	if len(d.paths) > 1024 {
		d.paths = nil // let a rescan's big map go
	} else {
		clear(d.paths)
	}
	return out
}

// mergeBatch adds b to a batch that has not been received yet.
func mergeBatch(into, b Batch) Batch {
	paths := append(into.Paths, b.Paths...)
	slices.Sort(paths)
	return Batch{Paths: slices.Compact(paths), Rescan: into.Rescan || b.Rescan}
}
