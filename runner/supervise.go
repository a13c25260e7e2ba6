package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/devrun-dev/devrun/childrpc"
	"os"
	"syscall"
	"time"
)

// message is what the supervisor's inbox holds: the closed set of types below, each of which
// handle takes.
type message interface{ inbox() }

func (msgRestart) inbox()      {}
func (msgKill) inbox()         {}
func (msgSignal) inbox()       {}
func (msgExited) inbox()       {}
func (msgGone) inbox()         {}
func (msgGrace) inbox()        {}
func (msgReady) inbox()        {}
func (msgReadyTimeout) inbox() {}
func (msgHello) inbox()        {}
func (msgChildValue) inbox()   {}
func (msgChannelLog) inbox()   {}
func (msgBackoff) inbox()      {}
func (msgBuildExited) inbox()  {}
func (msgBuildGone) inbox()    {}

// Messages of the supervisor's inbox.
type (
	msgRestart struct {
		reason    string
		fromChild bool
		changed   []string // the paths behind it, for the next generation's DEVRUN_CHANGED
		ifChanged bool     // RestartFor with onlyInputs
	}
	msgKill   struct{}
	msgSignal struct{ sig syscall.Signal }
	msgExited struct {
		g  *generation
		st exitStatus
	}
	msgGone  struct{ g *generation }
	msgGrace struct{ g *generation }
	msgReady struct {
		g   *generation
		how string
	}
	msgReadyTimeout struct{ g *generation }
	msgHello        struct {
		g       *generation
		methods []string
		reloads []childrpc.ReloadRule
	}
	msgChildValue struct {
		g *generation
		v json.RawMessage
	}
	msgChannelLog struct {
		g    *generation
		text string
	}
	msgBackoff     struct{ seq int }
	msgBuildExited struct {
		b  *buildRun
		st exitStatus
	}
	msgBuildGone struct{ b *buildRun }
)

// supervisor is the state of one Run. Only the Run goroutine touches it; everything else
// reaches it through the inbox, so every decision is taken in one place, in order.
type supervisor struct {
	r         *Runner
	world     world
	cfg       *Config
	io        *stdio
	listenFDs []uintptr
	notifyDir string // NOTIFY_SOCKET folder (Overlap only)

	// cur is the serving generation; next, with Overlap, the one that must get ready to
	// replace it. Both have a live leader: a generation whose leader exited, or that is being
	// stopped, is in retired until its whole group is gone.
	cur, next *generation
	retired   []*generation
	bld       *buildRun // the build in progress (or being cancelled)

	buildAgain   bool // a Restart came during a build: build again once it is gone
	startPending bool // start a generation as soon as nothing stands in the way
	backoff      stopper
	backoffSeq   int
	shuttingDown bool
	binary       binaryState // build.go

	changed []string // paths changed since the last start (DEVRUN_CHANGED)

	generations int // started so far
	lastExit    *Exit
	warned      bool // the host's missing protections were reported
}

// world is what the supervisor does outside itself: start a generation's processes, and set
// timers. osWorld forks and uses the clock; the table tests (supervise_test.go) drive a fake,
// so that the restart, backoff, overlap and crash-loop rules are checked without a fork.
type world interface {
	start(s *supervisor) (*generation, error)
	after(d time.Duration, fire func()) stopper
}

// procGroup is a generation's process group as the supervisor sees it.
type procGroup interface {
	signal(sig syscall.Signal) // to the whole group
	stop(sig syscall.Signal)   // signal the group to stop
}

// stopper is a timer the supervisor may cancel.
type stopper interface{ Stop() bool }

type osWorld struct{}

func (osWorld) start(s *supervisor) (*generation, error) { return s.startGeneration() }
func (osWorld) after(d time.Duration, fire func()) stopper {
	return time.AfterFunc(d, fire)
}

// after posts m to the inbox once d has passed, unless the timer is stopped first.
func (s *supervisor) after(d time.Duration, m message) stopper {
	return s.world.after(d, func() { s.r.inbox.post(m) })
}

func newSupervisor(r *Runner) (*supervisor, error) {
	s := &supervisor{r: r, cfg: &r.cfg, world: osWorld{}}
	var err error
	if s.io, err = openStdio(r.cfg.Stdin, r.cfg.Stdout, r.cfg.Stderr); err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	for _, f := range r.cfg.Listeners {
		s.listenFDs = append(s.listenFDs, f.Fd())
	}
	if r.cfg.Overlap {
		if s.notifyDir, err = os.MkdirTemp("", "devrun-notify-"); err != nil {
			s.io.close()
			return nil, fmt.Errorf("runner: %w", err)
		}
	}
	return s, nil
}

func (s *supervisor) close() {
	s.io.close()
	if s.notifyDir != "" {
		os.RemoveAll(s.notifyDir)
	}
	s.r.mu.Lock()
	s.r.conn = nil
	s.r.status.State, s.r.status.PID, s.r.status.Methods, s.r.status.Ready = StateStopped, 0, nil, false
	s.r.mu.Unlock()
}

func (s *supervisor) loop(ctx context.Context) {
	s.r.inbox.take() // what was posted before Run is stale
	s.r.running.Store(true)
	defer s.r.running.Store(false)

	if s.cfg.Build != nil {
		s.startBuild()
	} else {
		s.startPending = true
		s.tryStart()
	}
	s.publish()
	done := ctx.Done()
	for !s.shuttingDown || s.alive() {
		select {
		case <-done:
			done = nil
			s.shutdown()
		case <-s.r.inbox.wake:
			for _, m := range s.r.inbox.take() {
				s.handle(m)
			}
		}
		s.publish()
	}
}

// alive: some process of this Run may still exist.
func (s *supervisor) alive() bool {
	return s.cur != nil || s.next != nil || len(s.retired) > 0 || s.bld != nil
}

func (s *supervisor) handle(m message) {
	switch m := m.(type) {
	case msgRestart:
		s.restart(m)
	case msgKill:
		s.kill()
	case msgSignal:
		for _, g := range []*generation{s.cur, s.next} {
			if g != nil && !g.exited {
				g.grp.signal(m.sig)
			}
		}
	case msgExited:
		s.exited(m.g, m.st)
	case msgGone:
		s.gone(m.g)
	case msgGrace:
		if !m.g.gone {
			s.emit(Event{Kind: GraceOver, PID: m.g.pid})
			m.g.grp.signal(syscall.SIGKILL)
		}
	case msgReady:
		s.ready(m.g, m.how)
	case msgReadyTimeout:
		if m.g == s.next && !m.g.ready {
			s.next = nil
			s.emit(Event{Kind: NotReady, PID: m.g.pid, Reason: fmt.Sprintf(
				"the new generation (pid %d) was not ready after %s; still running pid %d",
				m.g.pid, roundDuration(s.cfg.ReadyTimeout), s.curPID())})
			s.retire(m.g)
		}
	case msgHello:
		m.g.methods, m.g.reloads = m.methods, m.reloads
		s.emit(Event{Kind: Hello, PID: m.g.pid, Methods: m.methods, Reloads: m.reloads})
	case msgChildValue:
		s.emit(Event{Kind: ChildEvent, PID: m.g.pid, Value: m.v})
	case msgChannelLog:
		s.emit(Event{Kind: ChannelError, PID: m.g.pid, Reason: m.text})
	case msgBackoff:
		if m.seq == s.backoffSeq && s.backoff != nil {
			s.backoff = nil
			if s.bld == nil { // else the build's result decides what runs
				s.startPending = true
				s.tryStart()
			}
		}
	case msgBuildExited:
		s.buildExited(m.b, m.st)
	case msgBuildGone:
		s.buildGone(m.b)
	default:
		panic(fmt.Sprintf("runner: the supervisor has no case for %T", m)) // a message added without one
	}
}

func (s *supervisor) restart(m msgRestart) {
	if s.shuttingDown {
		return
	}
	if m.fromChild {
		s.emit(Event{Kind: Restarting, Reason: m.reason})
	}
	s.changed = appendNew(s.changed, m.changed)
	s.binary.force = s.binary.force || !m.ifChanged
	s.r.policy.reset() // what crashed before the change says nothing about what follows it
	s.cancelBackoff()
	if s.cfg.Build == nil {
		s.swap()
		return
	}
	if s.bld != nil {
		s.cancelBuild("rebuilding")
		s.buildAgain = true
		return
	}
	s.startBuild()
}

// swap replaces the running generation by a new one: stop then start, or with Overlap start
// then (once the new one is ready) stop.
func (s *supervisor) swap() {
	if s.shuttingDown {
		return
	}
	if s.next != nil {
		s.retire(s.next) // not ready yet, and already out of date
		s.next = nil
	}
	if !s.cfg.Overlap && s.cur != nil {
		s.retire(s.cur)
		s.cur = nil
	}
	s.startPending = true
	s.tryStart()
}

// tryStart starts the pending generation if nothing stands in the way: without Overlap,
// every process of the previous generations must be gone first.
func (s *supervisor) tryStart() {
	if !s.startPending || s.shuttingDown || s.bld != nil {
		return
	}
	overlapping := s.cfg.Overlap && s.cur != nil
	if overlapping && s.next != nil || !overlapping && (s.cur != nil || s.next != nil || len(s.retired) > 0) {
		return
	}
	if err := prepareHost(); err != nil && !s.warned {
		s.warned = true
		s.emit(Event{Kind: Warning, Reason: "less protection against leftover processes", Err: err})
	}
	// Still pending while it starts: Status, asked the moment the child runs, says starting.
	g, err := s.world.start(s)
	s.startPending = false
	if err != nil {
		s.emit(Event{Kind: StartFailed, Command: s.cfg.Command, Err: err})
		return
	}
	if overlapping {
		s.next = g
		g.readyTimer = s.after(s.cfg.ReadyTimeout, msgReadyTimeout{g})
		s.publish()
		return
	}
	s.setCurrent(g)
	s.publish()
}

// setCurrent makes g (or nothing) the generation that Call and stdin reach.
func (s *supervisor) setCurrent(g *generation) {
	s.cur = g
	s.r.mu.Lock()
	if g != nil {
		s.r.conn = g.conn
	} else {
		s.r.conn = nil
	}
	s.r.mu.Unlock()
	if s.io.pump != nil {
		if g != nil {
			s.io.pump.setCurrent(g.stdinFeed)
		} else {
			s.io.pump.setCurrent(nil)
		}
	}
}

// retire takes g out of service and stops it unless it is already ending.
func (s *supervisor) retire(g *generation) {
	if g == s.cur {
		s.setCurrent(nil)
	}
	s.retired = append(s.retired, g)
	if !g.exited && !g.stopSent {
		s.emit(Event{Kind: Stopping, PID: g.pid, Signal: s.cfg.Signal.String()})
		s.stopGroup(g)
	}
}

// stopGroup sends the stop signal to g's group and arms the grace period.
func (s *supervisor) stopGroup(g *generation) {
	g.stopSent = true
	g.grp.stop(s.cfg.Signal)
	g.grace = s.after(s.cfg.Grace, msgGrace{g})
}

func (s *supervisor) exited(g *generation, st exitStatus) {
	g.exited = true
	g.endChannel()
	requested := g.stopSent
	e := Event{Kind: Exited, PID: g.pid, ExitCode: st.code, Signal: st.signalName(), Duration: s.r.policy.now().Sub(g.started)}
	if requested {
		e.Reason = "stopped"
	}
	s.emit(e)
	s.lastExit = &Exit{PID: g.pid, Code: st.code, Signal: st.signalName(), Time: time.Now()}
	if !requested {
		s.stopGroup(g) // what the leader left behind in its group goes the same way
	}
	switch g {
	case s.next:
		s.next = nil
		s.retired = append(s.retired, g)
		s.emit(Event{Kind: NotReady, PID: g.pid, Reason: fmt.Sprintf(
			"the new generation (pid %d) %s before it was ready; still running pid %d", g.pid, st, s.curPID())})
	case s.cur:
		s.setCurrent(nil)
		s.retired = append(s.retired, g)
		if s.next != nil {
			// The old one died while the new one was getting ready: the new one is all there is.
			n := s.next
			s.next = nil
			n.stopReadyTimer()
			s.setCurrent(n)
			return
		}
		if !requested && !s.startPending && !s.shuttingDown {
			s.afterExit(g, st)
		}
	}
}

// afterExit applies the restart policy to an exit the runner did not ask for. The event it
// emits names the exit too, so that one line tells the user what happened and what follows.
func (s *supervisor) afterExit(g *generation, st exitStatus) {
	e := Event{PID: g.pid, ExitCode: st.code, Signal: st.signalName()}
	if s.bld != nil {
		e.Kind, e.Reason = Waiting, "a build is running" // its result decides what runs next
		s.emit(e)
		return
	}
	d := s.r.policy.exited(g.started, !st.success())
	switch {
	case d.gaveUp:
		e.Kind, e.Reason = GaveUp, fmt.Sprintf("crashed %d times right after start", d.crashes)
	case d.restart:
		e.Kind, e.Duration = Backoff, d.delay
		if d.quick {
			e.Reason = "right after start"
		}
		s.backoffSeq++
		seq := s.backoffSeq
		s.backoff = s.after(d.delay, msgBackoff{seq})
	default:
		e.Kind = Waiting
	}
	s.emit(e)
}

func (s *supervisor) cancelBackoff() {
	if s.backoff != nil {
		s.backoff.Stop()
		s.backoff = nil
	}
	s.backoffSeq++ // a timer that already fired is ignored
}

func (s *supervisor) gone(g *generation) {
	g.gone = true
	if g.grace != nil {
		g.grace.Stop()
	}
	for i, x := range s.retired {
		if x == g {
			s.retired = append(s.retired[:i], s.retired[i+1:]...)
			break
		}
	}
	s.tryStart()
}

func (s *supervisor) ready(g *generation, how string) {
	if g.ready || g.exited {
		return
	}
	g.ready = true
	s.emit(Event{Kind: Ready, PID: g.pid, Reason: how})
	if g != s.next {
		return
	}
	g.stopReadyTimer()
	old := s.cur
	s.next = nil
	s.setCurrent(g)
	if old != nil {
		s.retire(old)
	}
}

func (s *supervisor) kill() {
	s.cancelBackoff()
	s.startPending, s.buildAgain = false, false
	if s.bld != nil {
		s.bld.cancelled = true
		s.bld.grp.signal(syscall.SIGKILL)
	}
	for _, g := range []*generation{s.cur, s.next} {
		if g != nil {
			g.stopSent = true // killed on purpose: not a crash
			s.retire(g)
		}
	}
	s.next = nil
	s.setCurrent(nil)
	for _, g := range s.retired {
		g.stopSent = true
		g.grp.signal(syscall.SIGKILL)
	}
}

func (s *supervisor) shutdown() {
	s.shuttingDown = true
	s.cancelBackoff()
	s.startPending, s.buildAgain = false, false
	if s.bld != nil && !s.bld.cancelled {
		s.bld.cancelled = true
		s.bld.grp.signal(syscall.SIGKILL)
	}
	if s.next != nil {
		s.retire(s.next)
		s.next = nil
	}
	if s.cur != nil {
		s.retire(s.cur)
	}
}

func (s *supervisor) curPID() int {
	if s.cur == nil {
		return 0
	}
	return s.cur.pid
}

func (s *supervisor) emit(e Event) {
	if s.cfg.OnEvent == nil {
		return
	}
	e.Process = s.cfg.Name
	e.Time = time.Now()
	s.publish() // so that Status, asked on an event, already reflects it
	s.cfg.OnEvent(e)
}

// publish updates the snapshot that Status returns.
func (s *supervisor) publish() {
	st := Status{
		Process:  s.cfg.Name,
		Listen:   s.cfg.ListenerNames,
		Restarts: max(s.generations-1, 0),
		LastExit: s.lastExit,
	}
	switch {
	case s.shuttingDown:
		st.State = StateStopped
	case s.bld != nil:
		st.State = StateBuilding
	case s.startPending || s.next != nil:
		st.State = StateStarting
	case s.cur != nil:
		st.State = StateRunning
	case s.backoff != nil:
		st.State = StateCrashed
	default:
		st.State = StateWaiting
	}
	if g := s.cur; g != nil {
		st.PID, st.Started, st.Methods, st.Ready, st.Reloads = g.pid, g.started, g.methods, g.ready, g.reloads
	}
	s.r.mu.Lock()
	s.r.status = st
	s.r.mu.Unlock()
}
