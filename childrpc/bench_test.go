//go:build unix

package childrpc

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The README's figures ("child channel round trip, Go parent <-> Go child process:
// median at most 60 µs; at least 50,000 calls/s with 8 callers"):
//
//	go test -run '^$' -bench . -benchtime 2s ./childrpc
//
// allocs/op counts both ends of a round trip (caller and callee in one process).

type benchParams struct{ N int }

func benchConns(b *testing.B) *Conn {
	handlers := map[string]HandlerFunc{
		"inc":  TypedHandler(func(ctx context.Context, p benchParams) (int, error) { return p.N + 1, nil }),
		"echo": func(ctx context.Context, p json.RawMessage) (any, error) { return p, nil },
	}
	caller, callee := conns(b, connPair, nil, handlers)
	_ = callee
	return caller
}

// reportLatency adds the median and 99th percentile of per-call durations.
func reportLatency(b *testing.B, durations []time.Duration) {
	if len(durations) == 0 {
		return
	}
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1e3, "µs-median")
	b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds())/1e3, "µs-p99")
}

func reportRate(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
}

func BenchmarkRoundTrip(b *testing.B) {
	c := benchConns(b)
	ctx := context.Background()
	b.ReportAllocs()
	timeCalls(b, nil, func(i int) {
		var got int
		if err := c.Call(ctx, "inc", benchParams{N: i}, &got); err != nil || got != i+1 {
			b.Fatalf("call: %d, %v", got, err)
		}
	})
}

// timeCalls times b.N calls of call, each after pause (when set), and reports their rate,
// median and 99th percentile.
func timeCalls(b *testing.B, pause func(), call func(i int)) {
	durations := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if pause != nil {
			pause()
		}
		t0 := time.Now()
		call(i)
		durations[i] = time.Since(t0)
	}
	b.StopTimer()
	reportRate(b, start)
	reportLatency(b, durations)
}

func BenchmarkRoundTripParallel8(b *testing.B) {
	c := benchConns(b)
	ctx := context.Background()
	b.ReportAllocs()
	callParallel(b, 8, func(_, i int) error {
		var got int
		if err := c.Call(ctx, "inc", benchParams{N: i}, &got); err != nil || got != i+1 {
			return fmt.Errorf("call: %d, %v", got, err)
		}
		return nil
	})
}

// callParallel makes b.N calls from callers goroutines (call gets the caller's number and the
// call's) and reports their rate. A call that fails ends its caller.
func callParallel(b *testing.B, callers int, call func(caller, i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := call(g, i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	reportRate(b, start)
}

func BenchmarkLargeMessage5MB(b *testing.B) {
	c := benchConns(b)
	big := strings.Repeat("0123456789abcdef", 5<<20/16)
	b.SetBytes(2 * int64(len(big)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var got []string
		if err := c.Call(context.Background(), "echo", []string{big}, &got); err != nil || len(got) != 1 || len(got[0]) != len(big) {
			b.Fatalf("5 MB echo: %v", err)
		}
	}
}

// BenchmarkRoundTripProcess is the real setting: a Go parent and a Go child process.
// allocs/op counts the parent's side only.
func BenchmarkRoundTripProcess(b *testing.B) {
	conn, _ := startChild(b, "echo-child", ConnOptions{}, nil)
	benchEchoCalls(b, conn, context.Background(), nil)
}

// BenchmarkRoundTripProcessParallel8 is BenchmarkRoundTripProcess with 8 concurrent
// callers.
func BenchmarkRoundTripProcessParallel8(b *testing.B) {
	conn, _ := startChild(b, "echo-child", ConnOptions{}, nil)
	ctx := context.Background()
	b.ReportAllocs()
	callParallel(b, 8, func(int, int) error {
		var raw json.RawMessage
		return conn.Call(ctx, "echo", benchParams{N: 1}, &raw)
	})
}

// BenchmarkRoundTripProcessAfterQuiet is a call after the channel has been quiet for
// 0.1 s, when both processes' threads have gone to sleep. ns/op and calls/s include the
// quiet time; µs-median is the call alone.
func BenchmarkRoundTripProcessAfterQuiet(b *testing.B) {
	conn, _ := startChild(b, "echo-child", ConnOptions{}, nil)
	benchEchoCalls(b, conn, context.Background(), func() {
		time.Sleep(100 * time.Millisecond) // not a timing assertion: it lets the channel go quiet
	})
}

// benchEchoCalls times b.N calls of the echo child's "echo", each after pause (when set).
func benchEchoCalls(b *testing.B, conn *Conn, ctx context.Context, pause func()) {
	var raw json.RawMessage
	if err := conn.Call(ctx, "echo", []int{0}, &raw); err != nil { // the child is up
		b.Fatal(err)
	}
	b.ReportAllocs()
	timeCalls(b, pause, func(i int) {
		if err := conn.Call(ctx, "echo", benchParams{N: i}, &raw); err != nil {
			b.Fatal(err)
		}
	})
}
