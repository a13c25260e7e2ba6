package testkit

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLoadCountsAnswersAndFailures(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "pid 7")
	}))
	defer srv.Close()
	res := loadOf(t, 2, 20, NewGetter("tcp", srv.Listener.Addr().String(), FailAfter))
	if res.Requests() != 40 || res.Answers["7"] != 40 || res.Failures() != 0 || res.FailureKinds() != "-" || res.FirstFailure != nil {
		t.Fatalf("a server answering every request: %d requests, answers %v, failures %v", res.Requests(), res.Answers, res.Failed)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	res = loadOf(t, 1, 3, NewGetter("tcp", closed, FailAfter))
	if res.Requests() != 3 || res.Failed["refused"] != 3 || res.FailureKinds() != "3 refused" || res.FirstFailure == nil {
		t.Fatalf("a closed port: %d requests, failures %v (%v)", res.Requests(), res.Failed, res.FirstFailure)
	}
}

func TestLoadResultPercentiles(t *testing.T) {
	var r LoadResult
	if r.Percentile(50) != 0 || r.Max() != 0 {
		t.Fatalf("no latencies: p50 %v, max %v", r.Percentile(50), r.Max())
	}
	for i := 1; i <= 100; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i)*time.Millisecond)
	}
	if p50, p99, max := r.Percentile(50), r.Percentile(99), r.Max(); p50 != 51*time.Millisecond || p99 != 100*time.Millisecond || max != 100*time.Millisecond {
		t.Fatalf("p50 %v, p99 %v, max %v", p50, p99, max)
	}
	r.Failed = map[string]int{"reset": 1, "refused": 2}
	if got := r.FailureKinds(); got != "1 reset, 2 refused" {
		t.Fatalf("failure kinds %q", got)
	}
}

// loadOf runs a Load of workers until each has sent its max requests, and stops it.
func loadOf(t *testing.T, workers, max int, g *Getter) LoadResult {
	t.Helper()
	sent := make(chan struct{}, workers*max)
	l := StartLoad(workers, max, func() (string, error) {
		defer func() { sent <- struct{}{} }()
		return g.Get()
	})
	deadline := time.After(FailAfter)
	for range workers * max {
		select {
		case <-sent:
		case <-deadline:
			t.Fatalf("the load sent fewer than %d requests within %s", workers*max, FailAfter)
		}
	}
	return l.Stop()
}
