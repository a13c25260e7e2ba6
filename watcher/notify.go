package watcher

import "github.com/fsnotify/fsnotify"

// notifier is the boundary to fsnotify: what the watcher needs from the kernel's
// notification API. Tests wrap it to inject errors (watch limits, queue overflows).
type notifier interface {
	// Add watches a folder (not recursively). An error wrapping ENOSPC or EMFILE means a
	// kernel limit was reached.
	Add(path string) error
	// Remove drops a folder's watch; an error when the kernel dropped it already is fine.
	Remove(path string) error
	Events() <-chan fsnotify.Event
	// Errors delivers fsnotify.ErrEventOverflow when the kernel's queue overflowed.
	Errors() <-chan error
	Close() error
}

// eventBuffer lets fsnotify read a whole batch of kernel events ahead of the loop.
const eventBuffer = 256

type fsNotifier struct{ w *fsnotify.Watcher }

func newFSNotifier() (notifier, error) {
	w, err := fsnotify.NewBufferedWatcher(eventBuffer)
	if err != nil {
		return nil, err
	}
	return fsNotifier{w}, nil
}

func (n fsNotifier) Add(path string) error         { return n.w.Add(path) }
func (n fsNotifier) Remove(path string) error      { return n.w.Remove(path) }
func (n fsNotifier) Events() <-chan fsnotify.Event { return n.w.Events }
func (n fsNotifier) Errors() <-chan error          { return n.w.Errors }
func (n fsNotifier) Close() error                  { return n.w.Close() }
