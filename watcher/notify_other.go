//go:build !linux

package watcher

// newKernelNotifier is kqueue through fsnotify outside Linux.
func newKernelNotifier() (notifier, error) { return newFSNotifier() }
