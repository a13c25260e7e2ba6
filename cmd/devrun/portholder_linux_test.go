package main

import (
	"fmt"
	"net"
	"os"
	"testing"
)

// TestPortHolderNamed: a program that cannot bind a port hears from devrun who holds it (here,
// the test itself).
func TestPortHolderNamed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	args := append(append([]string{"-w", dir}, ptyChildArgs("bind")...), ln.Addr().String())
	d := startDevrun(t, dir, nil, args...)
	d.stderr.WaitFor(t, fmt.Sprintf("[devrun] port %d is held by pid %d (%s", port, os.Getpid(), os.Args[0]))
}
