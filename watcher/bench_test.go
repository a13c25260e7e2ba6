package watcher

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The benchmarks share one tree of 100,000 files in 10,000 folders (fan-out 10, so 4 levels),
// built once per test binary run and removed by TestMain.
const (
	benchFiles   = 100_000
	benchFolders = 10_000
)

var (
	benchOnce sync.Once
	benchRoot string
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchRoot != "" {
		os.RemoveAll(filepath.Dir(benchRoot))
	}
	os.Exit(code)
}

func bigTree(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "devrun-watcher-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchRoot = filepath.Join(dir, "tree")
		benchErr = buildTree(benchRoot, benchFiles, benchFolders, 10)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchRoot
}

// buildTree creates folders breadth first, fanout per folder, and spreads files evenly.
func buildTree(root string, files, folders, fanout int) error {
	all := []string{root}
	for i := 0; len(all) <= folders; i++ {
		for j := 0; j < fanout && len(all) <= folders; j++ {
			all = append(all, filepath.Join(all[i], fmt.Sprintf("d%d", j)))
		}
	}
	for _, d := range all {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	for i := 0; i < files; i++ {
		name := filepath.Join(all[1+i%folders], fmt.Sprintf("file%d.go", i))
		if err := os.WriteFile(name, []byte("package x\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNewBigTree measures New on 100,000 files: the time until every folder is watched
// (ns/op) and the CPU spent (cpu-ms/op).
func BenchmarkNewBigTree(b *testing.B) {
	for _, poll := range []time.Duration{0, DefaultPollInterval} {
		name := map[bool]string{false: "notify", true: "poll"}[poll > 0]
		b.Run(name, func(b *testing.B) {
			root := bigTree(b)
			b.ReportAllocs()
			b.ResetTimer()
			var cpu time.Duration
			var st Stats
			for i := 0; i < b.N; i++ {
				c0 := cpuTime()
				w, err := New(Options{Roots: []string{root}, Poll: poll})
				cpu += cpuTime() - c0
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				st = w.Stats()
				w.Close()
				b.StartTimer()
			}
			if st.FoldersWatched+st.FoldersPolled != benchFolders+1 {
				b.Fatalf("stats %+v", st)
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkPollPass measures one whole polling pass over 100,000 files (what a poll mode
// spends, spread over several ticks, to look at every file once).
func BenchmarkPollPass(b *testing.B) {
	root := bigTree(b)
	w, err := newWatcher(Options{Roots: []string{root}, Poll: time.Hour}, hooks{pollAll: true})
	if err != nil {
		b.Fatal(err)
	}
	w.Close() // stop the loop: the benchmark drives the state itself
	s := w.s
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		s.pollTick(time.Now())
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	if s.deb.pending() {
		b.Fatalf("a pass over an unchanged tree found changes: %v", s.deb.take())
	}
}
