package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devrun-dev/devrun/watcher"
)

// result is one row of the table.
type result struct {
	Name           string
	Folders        int
	ReadyMs        float64 // until every folder is watched (external: the first child)
	ReadyCPUMs     float64 // CPU spent getting there
	RSSKB          int     // once ready
	PeakRSSKB      int
	IdleCPUPct     float64 // % of one core while nothing changes
	FirstChangeMs  float64
	ChangeMedianMs float64
	Samples        int
	Warnings       []string
}

// runChild measures one mode of the watcher in this process and prints the result as JSON.
func runChild(c config) error {
	data, err := os.ReadFile(filepath.Join(c.dir, doneFile))
	if err != nil {
		return fmt.Errorf("no tree: %w", err)
	}
	deepest := strings.TrimSpace(string(data))
	r := result{Name: c.child}
	var mu sync.Mutex
	opts := watcher.Options{
		Roots: []string{c.dir},
		Delay: c.delay,
		Warnf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
		},
	}
	if c.exts != "" {
		opts.Exts = strings.Split(c.exts, ",")
	}
	switch c.child {
	case "notify":
	case "poll":
		opts.Poll = c.poll
	default:
		return fmt.Errorf("unknown mode %q (notify, poll)", c.child)
	}

	cpu0, t0 := cpuTime(), time.Now()
	w, err := watcher.New(opts)
	if err != nil {
		return err
	}
	defer w.Close()
	r.ReadyMs = ms(time.Since(t0))
	r.ReadyCPUMs = ms(cpuTime() - cpu0)
	st := w.Stats()
	r.Folders = st.FoldersWatched + st.FoldersPolled
	r.RSSKB = rssKB()

	cpu1 := cpuTime()
	time.Sleep(c.idle)
	r.IdleCPUPct = float64(cpuTime()-cpu1) / float64(c.idle) * 100

	target := filepath.Join(deepest, "bigtree-change.go")
	var lat []float64
	for i := 0; i < c.changes; i++ {
		// A different size each time, so that polling sees a change whatever the mtime's
		// granularity.
		content := "package x // " + strings.Repeat("x", i%40+1) + "\n"
		t := time.Now()
		if err := os.WriteFile(target, []byte(content), 0o644); err != nil {
			return err
		}
		if err := waitFor(w, target, time.Minute); err != nil {
			return err
		}
		lat = append(lat, ms(time.Since(t)))
	}
	os.Remove(target)
	if len(lat) > 0 {
		r.FirstChangeMs = lat[0]
		rest := lat[min(1, len(lat)-1):]
		r.ChangeMedianMs = median(rest)
		r.Samples = len(lat)
	}
	r.PeakRSSKB = peakRSSKB()
	mu.Lock()
	defer mu.Unlock()
	return json.NewEncoder(os.Stdout).Encode(r)
}

func waitFor(w *watcher.Watcher, path string, limit time.Duration) error {
	timeout := time.After(limit)
	for {
		select {
		case b := <-w.Batches():
			if slices.Contains(b.Paths, path) {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no batch for %s within %v", path, limit)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
