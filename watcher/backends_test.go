package watcher

import (
	"runtime"
	"testing"
)

// backend is a notifier the end-to-end tests run with.
type backend struct {
	name string
	new  func() (notifier, error)
}

// backends are the platform's own notifier and, on Linux, also the fsnotify adapter that
// macOS and the BSDs use: running it here keeps its translation of paths honest.
func backends() []backend {
	if runtime.GOOS == "linux" {
		return []backend{{"inotify", newKernelNotifier}, {"fsnotify", newFSNotifier}}
	}
	return []backend{{"kernel", newKernelNotifier}}
}

// forBackends runs test once per backend, with hooks that select it.
func forBackends(t *testing.T, test func(t *testing.T, h hooks)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { test(t, hooks{newNotifier: b.new}) })
	}
}
