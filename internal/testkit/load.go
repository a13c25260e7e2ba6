package testkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Load is HTTP traffic from a few workers, each sending one request at a time, as users
// reloading a page do, until Stop. It needs no *testing.T: a test and a `go run` benchmark
// both read what it saw from the LoadResult.
type Load struct {
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
	mu   sync.Mutex
	res  LoadResult
}

// failurePause is how long a worker waits after a failed request before the next: a refused
// connection fails at once, and a user would pause before reloading rather than spin.
const failurePause = 5 * time.Millisecond

// StartLoad starts workers, each calling get until Stop or maxPerWorker calls (a bound for a
// run whose end never comes). get returns what the answer says (the pid that served it, say).
func StartLoad(workers, maxPerWorker int, get func() (string, error)) *Load {
	l := &Load{done: make(chan struct{}), res: LoadResult{Answers: map[string]int{}, Failed: map[string]int{}}}
	for w := 0; w < workers; w++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; i < maxPerWorker; i++ {
				select {
				case <-l.done:
					return
				default:
				}
				start := time.Now()
				answer, err := get()
				took := time.Since(start)
				l.mu.Lock()
				if err != nil {
					l.res.Failed[FailureKind(err)]++
					if l.res.FirstFailure == nil {
						l.res.FirstFailure = err
					}
				} else {
					l.res.Latencies = append(l.res.Latencies, took)
					l.res.Answers[answer]++
				}
				l.mu.Unlock()
				if err != nil {
					time.Sleep(failurePause)
				}
			}
		}()
	}
	return l
}

// Stop stops the workers, waits for their requests in flight, and returns what they saw. It
// may be called more than once (a deferred Stop after the test's own).
func (l *Load) Stop() LoadResult {
	l.once.Do(func() { close(l.done) })
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	res := l.res
	res.Latencies = slices.Clone(res.Latencies)
	slices.Sort(res.Latencies)
	return res
}

// LoadResult is what the workers of a Load saw.
type LoadResult struct {
	Latencies    []time.Duration // of the requests answered, shortest first
	Answers      map[string]int  // requests answered, by what the answer said
	Failed       map[string]int  // requests failed, by FailureKind
	FirstFailure error           // the first failed request's error, to show
}

// Requests is how many requests were sent, answered or not.
func (r LoadResult) Requests() int { return len(r.Latencies) + r.Failures() }

// Failures is how many requests failed.
func (r LoadResult) Failures() int {
	n := 0
	for _, k := range r.Failed {
		n += k
	}
	return n
}

// Percentile is the latency that p percent of the answered requests did not exceed.
func (r LoadResult) Percentile(p int) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[min(len(r.Latencies)-1, len(r.Latencies)*p/100)]
}

// Max is the longest latency of an answered request.
func (r LoadResult) Max() time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[len(r.Latencies)-1]
}

// FailureKinds is the failures as "2 refused, 1 reset", or "-" when there were none.
func (r LoadResult) FailureKinds() string {
	if len(r.Failed) == 0 {
		return "-"
	}
	var parts []string
	for k, n := range r.Failed {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// FailureKind names what made a request fail: "refused", "reset", "closed unanswered",
// "timeout" or "other".
func FailureKind(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "closed unanswered"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "other"
}

// Getter sends GET / to one address, on a new connection each time, so that every request
// meets the listening socket (which is what a restart could break).
type Getter struct {
	client *http.Client
	url    string
	// Answer reads what a body says; false when it is not an answer of the server under test.
	// By default it is the N of a body "pid N".
	Answer func(body string) (string, bool)
}

// NewGetter is a Getter for addr on network ("tcp" or "unix"); a request that takes longer than
// timeout fails.
func NewGetter(network, addr string, timeout time.Duration) *Getter {
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	host := addr
	if network != "tcp" {
		host = network
	}
	return &Getter{
		client: &http.Client{Transport: tr, Timeout: timeout},
		url:    "http://" + host + "/",
		Answer: func(body string) (string, bool) { return strings.CutPrefix(strings.TrimSpace(body), "pid ") },
	}
}

// Get sends one request and returns what the answer says.
func (g *Getter) Get() (string, error) {
	resp, err := g.client.Get(g.url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("answer %s %q", resp.Status, body)
	}
	answer, ok := g.Answer(string(body))
	if !ok {
		return "", fmt.Errorf("unexpected answer %q", body)
	}
	return answer, nil
}
