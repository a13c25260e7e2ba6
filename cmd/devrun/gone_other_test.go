//go:build !linux

package main

import (
	"strconv"
	"syscall"
	"testing"
	"time"
)

// waitGone waits until the process has exited. Without pidfds, it asks the kernel with
// signal 0 until the deadline.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("process %d is still running 30s after devrun was stopped", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad pid %q", s)
	}
	return n
}
