package watcher

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// fsNotifier adapts fsnotify (kqueue on macOS and the BSDs) to the notifier interface: it
// numbers the folders it watches and turns event paths back into (watch id, name). Linux
// uses inotify directly (notify_linux.go); there this backend only runs in tests, which keep
// it honest.
type fsNotifier struct {
	w      *fsnotify.Watcher
	events chan []event
	errs   chan error
	done   chan struct{}
	exited chan struct{}
	once   sync.Once

	mu    sync.Mutex // ids and paths: Add and Remove run on the loop, the translation here
	ids   map[string]int32
	paths map[int32]string
	last  int32
}

// fsnotifyBuffer lets fsnotify read a whole batch of kernel events ahead of the loop.
const fsnotifyBuffer = 256

func newFSNotifier() (notifier, error) {
	w, err := fsnotify.NewBufferedWatcher(fsnotifyBuffer)
	if err != nil {
		return nil, err
	}
	n := &fsNotifier{
		w:      w,
		events: make(chan []event, 4),
		errs:   make(chan error, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
		ids:    make(map[string]int32),
		paths:  make(map[int32]string),
	}
	go n.forward()
	return n, nil
}

func (n *fsNotifier) Add(path string) (int32, error) {
	// The lock is held across the watch's creation, so that an event for the new watch is
	// not translated before its id exists.
	n.mu.Lock()
	defer n.mu.Unlock()
	path = strings.Clone(path) // fsnotify keeps it
	if err := n.w.Add(path); err != nil {
		return -1, err
	}
	if id, ok := n.ids[path]; ok {
		return id, nil
	}
	n.last++
	n.ids[path] = n.last
	n.paths[n.last] = path
	return n.last, nil
}

func (n *fsNotifier) Remove(wd int32) error {
	n.mu.Lock()
	path, ok := n.paths[wd]
	if ok {
		delete(n.paths, wd)
		delete(n.ids, path)
	}
	n.mu.Unlock()
	if !ok {
		return nil
	}
	return n.w.Remove(path)
}

func (n *fsNotifier) Events() <-chan []event { return n.events }
func (n *fsNotifier) Errors() <-chan error   { return n.errs }

func (n *fsNotifier) Close() error {
	var err error
	n.once.Do(func() {
		close(n.done)
		err = n.w.Close()
		<-n.exited
	})
	return err
}

func (n *fsNotifier) forward() {
	defer close(n.exited)
	defer close(n.errs)
	defer close(n.events)
	events, errs := n.w.Events, n.w.Errors
	for events != nil || errs != nil {
		var out []event
		var outErr error
		select {
		case <-n.done:
			return
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if ev, ok := n.translate(e); ok {
				out = []event{ev}
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				out = []event{{wd: -1, op: opOverflow}}
			} else {
				outErr = err
			}
		}
		switch {
		case out != nil:
			select {
			case n.events <- out:
			case <-n.done:
				return
			}
		case outErr != nil:
			select {
			case n.errs <- outErr:
			case <-n.done:
				return
			}
		}
	}
}

// translate turns an fsnotify event into one about an entry of a watched folder; an event
// about a watched folder whose parent is not watched is about the folder itself.
func (n *fsNotifier) translate(e fsnotify.Event) (event, bool) {
	var o op
	if e.Has(fsnotify.Create) {
		o |= opCreate
	}
	if e.Has(fsnotify.Write) {
		o |= opWrite
	}
	if e.Has(fsnotify.Remove) {
		o |= opRemove
	}
	if e.Has(fsnotify.Rename) {
		o |= opRename
	}
	if e.Has(fsnotify.Chmod) {
		o |= opChmod
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	dir, name := filepath.Split(e.Name)
	parent, parentOK := n.ids[filepath.Clean(dir)]
	if self, ok := n.ids[e.Name]; ok && !parentOK {
		return event{wd: self, op: o}, true
	}
	if !parentOK || name == "" {
		return event{}, false // a folder forgotten since the event was queued
	}
	return event{wd: parent, op: o | opMaybeDir, name: name}, true
}
