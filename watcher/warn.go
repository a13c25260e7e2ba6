package watcher

import "sync"

// warner passes each kind of warning to Options.Warnf once.
type warner struct {
	fn   func(format string, args ...any)
	mu   sync.Mutex
	seen map[string]bool
}

func (w *warner) once(kind, format string, args ...any) {
	if w.fn == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen[kind] {
		return
	}
	if w.seen == nil {
		w.seen = make(map[string]bool)
	}
	w.seen[kind] = true
	w.fn(format, args...)
}
