package runner

import (
	"syscall"
	"testing"
	"time"
)

// fakeWorld starts no process: a generation is a fakeGroup, and timers fire when the test
// says so. The supervisor is driven message by message, as its Run goroutine would.
type fakeWorld struct {
	now     time.Time
	groups  []*fakeGroup
	timers  []*fakeTimer
	pid     int
	failing bool // the next start fails
}

type fakeGroup struct {
	pid     int
	signals []syscall.Signal
}

func (g *fakeGroup) signal(sig syscall.Signal) { g.signals = append(g.signals, sig) }
func (g *fakeGroup) stop(sig syscall.Signal)   { g.signals = append(g.signals, sig) }

type fakeTimer struct {
	d       time.Duration
	fire    func()
	stopped bool
}

func (t *fakeTimer) Stop() bool { was := !t.stopped; t.stopped = true; return was }

func (w *fakeWorld) start(s *supervisor) (*generation, error) {
	s.emit(Event{Kind: Starting, Command: s.cfg.Command})
	if w.failing {
		w.failing = false
		return nil, syscall.ENOENT
	}
	w.pid++
	grp := &fakeGroup{pid: 1000 + w.pid}
	w.groups = append(w.groups, grp)
	g := &generation{id: s.generations + 1, grp: grp, pid: grp.pid, started: w.now}
	s.generations++
	s.emit(Event{Kind: Started, PID: g.pid})
	return g, nil
}

func (w *fakeWorld) after(d time.Duration, fire func()) stopper {
	t := &fakeTimer{d: d, fire: fire}
	w.timers = append(w.timers, t)
	return t
}

// harness for the fake: the supervisor, its world, and the events it emitted.
type fakeRun struct {
	t      *testing.T
	s      *supervisor
	w      *fakeWorld
	events []Event
}

func newFakeRun(t *testing.T, cfg Config) *fakeRun {
	f := &fakeRun{t: t, w: &fakeWorld{now: time.Unix(1000, 0)}}
	cfg.Command = []string{"app"}
	cfg.OnEvent = func(e Event) { f.events = append(f.events, e) }
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.policy = newRestartPolicy(cfg.Restart, func() time.Time { return f.w.now })
	f.s = &supervisor{r: r, cfg: &r.cfg, io: &stdio{}, world: f.w}
	f.s.startPending = true
	f.s.tryStart()
	return f
}

// do hands the supervisor one message and the messages its fired timers post.
func (f *fakeRun) do(m message) {
	f.s.handle(m)
	for _, m := range f.s.r.inbox.take() {
		f.s.handle(m)
	}
}

// fire runs the newest pending timer of duration d (0: any).
func (f *fakeRun) fire(d time.Duration) {
	f.t.Helper()
	for i := len(f.w.timers) - 1; i >= 0; i-- {
		if t := f.w.timers[i]; !t.stopped && (d == 0 || t.d == d) {
			t.stopped = true
			t.fire()
			for _, m := range f.s.r.inbox.take() {
				f.s.handle(m)
			}
			return
		}
	}
	f.t.Fatalf("no pending timer of %v: %+v", d, f.w.timers)
}

// exit makes the current generation's leader exit after running for ran, and its group go.
func (f *fakeRun) exit(g *generation, ran time.Duration, code int) {
	f.w.now = f.w.now.Add(ran)
	f.do(msgExited{g, exitStatus{code: code}})
	f.do(msgGone{g})
}

func (f *fakeRun) kinds() []EventKind {
	var out []EventKind
	for _, e := range f.events {
		out = append(out, e.Kind)
	}
	return out
}

func (f *fakeRun) last(k EventKind) Event {
	f.t.Helper()
	for i := len(f.events) - 1; i >= 0; i-- {
		if f.events[i].Kind == k {
			return f.events[i]
		}
	}
	f.t.Fatalf("no %v event in %v", k, f.kinds())
	return Event{}
}

func TestSupervisorRules(t *testing.T) {
	t.Run("an instant crash is retried once, then waits for a change", func(t *testing.T) {
		f := newFakeRun(t, Config{})
		f.exit(f.s.cur, 100*time.Millisecond, 1)
		if e := f.last(Backoff); e.Reason != "right after start" || e.Duration != 100*time.Millisecond {
			t.Fatalf("first crash: %+v", e)
		}
		f.fire(100 * time.Millisecond)
		f.exit(f.s.cur, 100*time.Millisecond, 1)
		if e := f.last(GaveUp); e.Reason != "crashed 2 times right after start" {
			t.Fatalf("second crash: %+v", e)
		}
		if len(f.w.groups) != 2 || f.s.startPending || f.s.backoff != nil {
			t.Fatalf("after giving up: %d starts, pending %v", len(f.w.groups), f.s.startPending)
		}
		// A change starts it again, with the count reset.
		f.do(msgRestart{reason: "main.go changed"})
		if len(f.w.groups) != 3 {
			t.Fatalf("a restart after giving up started %d generations", len(f.w.groups))
		}
	})
	t.Run("a crash after running a while backs off, doubling", func(t *testing.T) {
		f := newFakeRun(t, Config{})
		var delays []time.Duration
		for range 3 {
			f.exit(f.s.cur, 3*time.Second, 2)
			e := f.last(Backoff)
			if e.Reason != "" {
				t.Fatalf("a crash after 3 s: %+v", e)
			}
			delays = append(delays, e.Duration)
			f.fire(e.Duration)
		}
		if delays[0] != 100*time.Millisecond || delays[1] != 2*delays[0] || delays[2] != 2*delays[1] {
			t.Fatalf("backoff %v, want doubling from 100ms", delays)
		}
		// Ten seconds of uptime reset it.
		f.exit(f.s.cur, 11*time.Second, 2)
		if e := f.last(Backoff); e.Duration != 100*time.Millisecond {
			t.Fatalf("after 11 s of uptime: %+v", e)
		}
	})
	t.Run("a clean exit waits; --restart always restarts it", func(t *testing.T) {
		f := newFakeRun(t, Config{})
		f.exit(f.s.cur, 3*time.Second, 0)
		if e := f.events[len(f.events)-1]; e.Kind != Waiting {
			t.Fatalf("after a clean exit: %v", f.kinds())
		}
		f = newFakeRun(t, Config{Restart: Always})
		f.exit(f.s.cur, 3*time.Second, 0)
		f.last(Backoff)
	})
	t.Run("a restart stops the whole old group before the next starts", func(t *testing.T) {
		f := newFakeRun(t, Config{Grace: 2 * time.Second})
		old := f.s.cur
		f.do(msgRestart{reason: "main.go changed"})
		grp := old.grp.(*fakeGroup)
		if len(grp.signals) != 1 || grp.signals[0] != syscall.SIGTERM || len(f.w.groups) != 1 {
			t.Fatalf("on restart: signals %v, %d generations", grp.signals, len(f.w.groups))
		}
		f.w.now = f.w.now.Add(time.Second)
		f.do(msgExited{old, exitStatus{code: -1, signal: syscall.SIGTERM}})
		if len(f.w.groups) != 1 {
			t.Fatal("the next generation started while the old group still had processes")
		}
		if e := f.last(Exited); e.Reason != "stopped" {
			t.Fatalf("exit of a stopped child: %+v", e)
		}
		f.fire(2 * time.Second) // the grace period ends: the group is killed
		if grp.signals[len(grp.signals)-1] != syscall.SIGKILL {
			t.Fatalf("after the grace period: %v", grp.signals)
		}
		f.do(msgGone{old})
		if len(f.w.groups) != 2 || f.s.cur == nil || f.s.cur.pid == old.pid {
			t.Fatalf("after the old group is gone: %d generations", len(f.w.groups))
		}
	})
	t.Run("with overlap the old one serves until the new one is ready", func(t *testing.T) {
		f := newFakeRun(t, Config{Overlap: true, ReadyTimeout: 5 * time.Second})
		old := f.s.cur
		f.do(msgRestart{reason: "main.go changed"})
		next := f.s.next
		if next == nil || len(old.grp.(*fakeGroup).signals) != 0 {
			t.Fatalf("overlap: next %v, old signalled %v", next, old.grp.(*fakeGroup).signals)
		}
		if st := f.s.r.Status(); st.State != StateStarting || st.PID != old.pid {
			t.Fatalf("status while the new one gets ready: %+v", st)
		}
		f.do(msgReady{next, "devrun.ready"})
		if f.s.cur != next || len(old.grp.(*fakeGroup).signals) != 1 {
			t.Fatalf("after ready: cur %v, old signalled %v", f.s.cur, old.grp.(*fakeGroup).signals)
		}
	})
	t.Run("with overlap a new one that never gets ready is stopped, the old one kept", func(t *testing.T) {
		f := newFakeRun(t, Config{Overlap: true, ReadyTimeout: 5 * time.Second})
		old := f.s.cur
		f.do(msgRestart{reason: "main.go changed"})
		next := f.s.next
		f.fire(5 * time.Second)
		if f.s.cur != old || len(next.grp.(*fakeGroup).signals) == 0 || len(old.grp.(*fakeGroup).signals) != 0 {
			t.Fatalf("after the ready timeout: cur %v", f.s.cur)
		}
		f.last(NotReady)
	})
	t.Run("a program that cannot start waits for the next restart", func(t *testing.T) {
		f := newFakeRun(t, Config{})
		old := f.s.cur
		f.w.failing = true
		f.do(msgRestart{reason: "rs"})
		f.do(msgExited{old, exitStatus{code: -1, signal: syscall.SIGTERM}})
		f.do(msgGone{old})
		f.last(StartFailed)
		if f.s.cur != nil || f.s.startPending {
			t.Fatalf("after a failed start: cur %v, pending %v", f.s.cur, f.s.startPending)
		}
	})
}
