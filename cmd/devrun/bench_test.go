package main

import (
	"context"
	"os"
	"os/exec"
	"sort"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// BenchmarkControl measures the control socket from a Go client (childrpc.Dial + Call):
// devrun.info, answered by devrun itself, and ping, forwarded to the program and back. It
// reports the median and p99 of single calls.
func BenchmarkControl(b *testing.B) {
	rep := newReporter(b)
	startRPCDevrun(b, "bench", rep)
	b.Setenv("XDG_RUNTIME_DIR", runtimeDir(b))
	ctx := context.Background()
	conn, err := childrpc.Dial(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, method := range []string{"devrun.info", "ping"} {
		b.Run(method, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if err := conn.Call(ctx, method, nil, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			reportLatency(b, lat)
		})
	}
	// The whole `devrun send ping`: a new process, dial, call, print.
	b.Run("send-command", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			cmd := exec.Command(os.Args[0], "send", "-n", "bench", "ping")
			cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "XDG_RUNTIME_DIR="+runtimeDir(b))
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			lat = append(lat, time.Since(start))
		}
		reportLatency(b, lat)
	})
}

func reportLatency(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "µs-median")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "µs-p99")
}
