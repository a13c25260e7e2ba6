package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// measureExternal runs an external watcher (devrun, nodemon, ...) on the tree and measures it
// from the outside; see the package doc for the $BIGTREE_MARKER protocol.
func measureExternal(c config, t tree, name, cmdline string) (result, error) {
	r := result{Name: name}
	tmp, err := os.MkdirTemp("", "bigtree-exec-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	marker := filepath.Join(tmp, "starts")
	cmd := exec.Command("sh", "-c", "exec "+cmdline)
	cmd.Dir = t.root
	cmd.Env = append(os.Environ(), "BIGTREE_MARKER="+marker)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c.verbose {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	} else {
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	defer stop(cmd)
	pid := cmd.Process.Pid
	if err := waitStarts(marker, 1, 2*time.Minute); err != nil {
		return r, err
	}
	r.ReadyMs = ms(time.Since(t0))
	r.ReadyCPUMs = ms(procCPU(pid))
	r.RSSKB = procRSSKB(pid)

	cpu1 := procCPU(pid)
	time.Sleep(c.idle)
	r.IdleCPUPct = float64(procCPU(pid)-cpu1) / float64(c.idle) * 100

	target := filepath.Join(t.deepest, "bigtree-change.go")
	var lat []float64
	for i := 0; i < c.changes; i++ {
		n := countStarts(marker)
		content := "package x // " + strings.Repeat("x", i%40+1) + "\n"
		t := time.Now()
		if err := os.WriteFile(target, []byte(content), 0o644); err != nil {
			return r, err
		}
		if err := waitStarts(marker, n+1, 3*time.Minute); err != nil { // nodemon starts its child long before it watches a big tree
			return r, err
		}
		lat = append(lat, ms(time.Since(t)))
	}
	os.Remove(target)
	if len(lat) > 0 {
		r.FirstChangeMs = lat[0]
		r.ChangeMedianMs = median(lat[min(1, len(lat)-1):])
		r.Samples = len(lat)
	}
	r.PeakRSSKB = procPeakRSSKB(pid)
	return r, nil
}

func countStarts(marker string) int {
	data, _ := os.ReadFile(marker)
	return bytes.Count(data, []byte{'\n'})
}

// waitStarts waits until the marker has n lines. It checks every millisecond: this costs the
// bench, not the measured command.
func waitStarts(marker string, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for countStarts(marker) < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("the command's child did not start (%d start lines expected in $BIGTREE_MARKER)", n)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

func stop(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}
