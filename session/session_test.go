//go:build unix

package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
	"github.com/devrun-dev/devrun/internal/testkit"
)

// fakeReporter is the terminal side of a Session under test: devrun's lines and each
// instance's output, kept as text.
type fakeReporter struct {
	lines  *testkit.Text
	mu     sync.Mutex
	output map[string]*testkit.Text
}

func newFakeReporter() *fakeReporter {
	return &fakeReporter{lines: testkit.NewText(), output: map[string]*testkit.Text{}}
}

func (r *fakeReporter) Printf(lv Level, about, format string, args ...any) {
	fmt.Fprintf(r.lines, "[%s] %s\n", about, fmt.Sprintf(format, args...))
}
func (r *fakeReporter) PrintfAfterOutput(lv Level, about, format string, args ...any) {
	r.Printf(lv, about, format, args...)
}
func (r *fakeReporter) ClearScreen()                    {}
func (r *fakeReporter) BuildStarted(about, what string) {}
func (r *fakeReporter) BuildEnded(about string)         {}
func (r *fakeReporter) Output(label string, width int) (io.Writer, io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.output[label] == nil {
		r.output[label] = testkit.NewText()
	}
	return r.output[label], r.output[label]
}

// TestSessionRunsProcessesInOrder drives a Session the way cmd/devrun does, without it: two
// real programs, web depending on db, started in that order; a restart by name restarts web
// alone; an unknown name is refused; Stop ends both, leaving no process behind.
func TestSessionRunsProcessesInOrder(t *testing.T) {
	t.Parallel()
	const readyTimeout = 200 * time.Millisecond // neither says it is ready: web waits this long for db
	dir := t.TempDir()
	top := config.Defaults()
	proc := func(name string, deps ...string) config.Process {
		p := top.Process
		p.Name, p.Run, p.Args = name, "sh", []string{"-c", "echo " + name + " up; exec sleep 60"}
		p.DependsOn = deps
		p.Watch = []string{dir}
		p.ReadyTimeout = readyTimeout
		return p
	}
	spec := Spec{Settings: top, Processes: []config.Process{proc("db"), proc("web", "db")},
		Dir: dir, Command: []string{"test"}, Logs: NewLogs(DefaultLogLines)}
	rep := newFakeReporter()
	s, err := New(spec, rep)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, ch, release := s.events.Subscribe(0, func() { t.Error("the test fell behind the event stream") })
	var feed testkit.Feed[childrpc.Event]
	go func() {
		for e := range ch {
			feed.Add(e)
		}
		release() // the stream ended: Run may return
	}()
	done := make(chan struct{})
	go func() {
		s.Run(context.Background())
		close(done)
	}()

	seen := 0
	is := func(kind childrpc.EventKind, process string) func(childrpc.Event) bool {
		return func(e childrpc.Event) bool { return e.Kind == kind && e.Process == process }
	}
	dbStarted := feed.WaitFrom(t, &seen, "db started", is(childrpc.EventStarted, "db"))
	webStarted := feed.WaitFrom(t, &seen, "web started after db", is(childrpc.EventStarted, "web"))
	if waited := webStarted.Time.Sub(dbStarted.Time); waited < readyTimeout/2 { // /2: events are stamped as they are published
		t.Errorf("web started %v after db, before db's ready timeout (%v) was over", waited, readyTimeout)
	}
	for _, name := range []string{"db", "web"} {
		out, _ := rep.Output(name, 3)
		out.(*testkit.Text).WaitFor(t, name+" up")
	}

	if err := s.Restart("web", "test"); err != nil {
		t.Fatal(err)
	}
	feed.WaitFrom(t, &seen, "web stopped by devrun", func(e childrpc.Event) bool {
		return is(childrpc.EventExited, "web")(e) && e.ByDevrun && e.PID == webStarted.PID
	})
	again := feed.WaitFrom(t, &seen, "web started again", is(childrpc.EventStarted, "web"))
	var unknown *childrpc.Error
	if err := s.Restart("nope", "test"); !errors.As(err, &unknown) {
		t.Fatalf("restart of an unknown process: %v, want a *childrpc.Error", err)
	}

	s.Stop()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after Stop")
	}
	events := feed.Snapshot()
	if last := events[len(events)-1]; last.Kind != childrpc.EventStopped {
		t.Errorf("the stream ended with %s, want %s", last.Kind, childrpc.EventStopped)
	}
	for _, e := range events {
		if e.Kind == childrpc.EventStarted && e.Process == "db" && e.PID != dbStarted.PID {
			t.Errorf("db restarted (pid %d, then %d): only web was asked to", dbStarted.PID, e.PID)
		}
	}
	for _, pid := range []int{dbStarted.PID, again.PID} {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d is still there after Run returned (kill 0: %v)", pid, err)
		}
	}
}
