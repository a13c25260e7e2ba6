package session

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/runner"
)

const (
	keptEvents = 200 // what a client that connects late can still ask for
	// MaxEventOutput cuts a failed build's output kept in an event: the first errors are the
	// ones that matter, and 200 events must stay small.
	MaxEventOutput = 8 << 10
	followBuffer   = 256 // events a follower may be behind before it is disconnected
	// readySettle is how long a program that never says it is ready must run before it
	// counts as ready (0 with --listen: the held socket queues connections for it).
	readySettle = time.Second
	// buildOutputQuiet is how long the build's output must have been quiet, after the build
	// ended, before its event goes out: the last lines may still be in the pipe. At most
	// buildOutputWait in all.
	buildOutputQuiet = 30 * time.Millisecond
	buildOutputWait  = 300 * time.Millisecond
)

// Source is what the event log knows of a process (a process of the Session).
type Source interface {
	EventName() string            // the process's name
	LogLabel(instance int) string // how Logs names the instance's lines
	Instances() int
	PID(instance int) int // the instance's running program, 0 when none
	HoldsSockets() bool   // devrun holds listen sockets for it (--listen)
}

// EventLog is the session's one event stream: it turns runner events and changes into
// childrpc.Events, keeps the last keptEvents, and hands new ones to followers. One goroutine
// (publish) numbers and sends them, so that they go out in the order they happened.
type EventLog struct {
	name    func() string // the devrun's name, which the control socket may make unique
	logs    *Logs
	in      chan eventInput
	stopped chan struct{} // publish has sent EventStopped and returned

	mu        sync.Mutex
	kept      []childrpc.Event // a ring: kept[(first+i)%keptEvents]
	first     int
	seq       int64
	followers map[*eventFollower]struct{}
	finished  bool
	senders   sync.WaitGroup // subscribers not released yet
}

// eventInput is one thing that happened, on its way to publish.
type eventInput struct {
	p        Source
	instance int
	e        childrpc.Event
	settled  int // a generation whose settle time is over, for an assumed ready
}

type eventFollower struct {
	ch       chan childrpc.Event
	overflow func()
}

// NewEventLog is the event stream of the devrun called name(), whose output logs keeps
// (a failed build's event carries the build's output).
func NewEventLog(name func() string, logs *Logs) *EventLog {
	return &EventLog{name: name, logs: logs, in: make(chan eventInput, 1024), stopped: make(chan struct{}),
		followers: map[*eventFollower]struct{}{}}
}

// FromRunner records a runner event, if it is one of the stream's kinds.
func (l *EventLog) FromRunner(p Source, instance int, re runner.Event) {
	e := childrpc.Event{Time: re.Time, PID: re.PID, Message: re.String()}
	switch re.Kind {
	case runner.BuildStart:
		e.Kind, e.Command = childrpc.EventBuildStarted, re.Command
	case runner.BuildOK:
		e.Kind, e.DurationMS = childrpc.EventBuildOK, ms(re.Duration)
	case runner.BuildFailed:
		e.Kind, e.DurationMS, e.Reason = childrpc.EventBuildFailed, ms(re.Duration), re.Reason
		if re.Err != nil {
			e.Output = re.Err.Error()
		}
	case runner.Started:
		e.Kind = childrpc.EventStarted
	case runner.Ready:
		e.Kind, e.Reason = childrpc.EventReady, re.Reason
	case runner.Unchanged:
		// The running program is what the change builds: for a script waiting on the
		// change, it is ready as it is.
		e.Kind, e.Reason = childrpc.EventReady, "no change in the binary; still running"
	case runner.Exited:
		e.Kind, e.Signal, e.ByDevrun = childrpc.EventExited, re.Signal, re.Reason == "stopped"
		if e.ByDevrun {
			e.Message += " (stopped by devrun)"
		}
		if re.Signal == "" {
			code := re.ExitCode
			e.ExitCode = &code
		}
	case runner.GaveUp, runner.StartFailed:
		e.Kind, e.Reason = childrpc.EventCrashLoop, re.Reason
		if re.Kind == runner.StartFailed {
			e.Reason = fmt.Sprintf("cannot start: %v", re.Err)
		}
	default:
		return
	}
	l.send(eventInput{p: p, instance: instance, e: e})
}

// Reloaded records a change a program's handler took instead of a restart.
func (l *EventLog) Reloaded(p Source, method string, files []string, took time.Duration) {
	for i := range p.Instances() {
		l.send(eventInput{p: p, instance: i, e: childrpc.Event{Kind: childrpc.EventReloaded, Time: time.Now(), Paths: files,
			Method: method, DurationMS: ms(took), Message: "reloaded by " + method}})
	}
}

// Change records a batch of changed files (paths relative to the devrun's folder; message
// the line devrun prints for it).
func (l *EventLog) Change(p Source, paths []string, message string) {
	for i := range p.Instances() {
		l.send(eventInput{p: p, instance: i, e: childrpc.Event{Kind: childrpc.EventChange, Time: time.Now(), Paths: paths,
			Message: message}})
	}
}

func (l *EventLog) send(in eventInput) {
	select {
	case l.in <- in:
	case <-l.stopped:
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// instanceState is what publish remembers of one instance, to number generations and to
// decide on an assumed ready.
type instanceState struct {
	generation int
	running    bool
	ready      bool
}

type instanceKey struct {
	p        Source
	instance int
}

// Start runs the stream until the returned func is called, when the session's programs have
// all stopped: it then sends EventStopped and waits (a bounded time) for the followers to
// pass it on.
func (l *EventLog) Start() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	go l.publish(ctx)
	return func() {
		cancel()
		<-l.stopped
	}
}

func (l *EventLog) publish(ctx context.Context) {
	_, lines, unfollow := l.logs.Follow(0)
	defer unfollow()
	states := map[instanceKey]*instanceState{}
	building := map[string]*strings.Builder{} // a log label's output while it builds

	collect := func(line childrpc.LogLine) {
		if b := building[line.Process]; b != nil && line.Stream == "stderr" && b.Len() <= MaxEventOutput {
			b.WriteString(line.Text)
			b.WriteByte('\n')
		}
	}
	for {
		var in eventInput
		select {
		case line := <-lines:
			collect(line)
			continue
		case in = <-l.in:
		case <-ctx.Done():
			select {
			case in = <-l.in: // what happened before the end goes first
			default:
				l.finish()
				return
			}
		}
		key := instanceKey{in.p, in.instance}
		st := states[key]
		if st == nil {
			st = &instanceState{}
			states[key] = st
		}
		e := in.e
		label := in.p.LogLabel(in.instance)
		switch {
		case in.settled > 0:
			if in.settled != st.generation || !st.running || st.ready {
				continue
			}
			e = childrpc.Event{Kind: childrpc.EventReady, Time: time.Now(), Assumed: true,
				Reason: fmt.Sprintf("still running after %s; it never said it is ready", readySettle)}
		case e.Kind == childrpc.EventBuildStarted:
			building[label] = &strings.Builder{}
		case e.Kind == childrpc.EventBuildOK:
			delete(building, label)
		case e.Kind == childrpc.EventBuildFailed:
			if b := building[label]; b != nil {
				waitQuiet(lines, label, collect)
				e.Output += b.String()
				delete(building, label)
			}
			e.Output, e.OutputCut = cutOutput(e.Output)
		}
		if e.Kind == childrpc.EventReady && st.ready {
			continue // the program said so after devrun assumed it
		}
		switch e.Kind {
		case childrpc.EventStarted:
			st.generation++
			st.running, st.ready = true, false
		case childrpc.EventReady:
			st.ready = true
		case childrpc.EventExited, childrpc.EventCrashLoop:
			st.running, st.ready = false, false
		}
		e.Process, e.Instance = in.p.EventName(), in.instance
		if st.generation > 0 && e.Kind != childrpc.EventChange && !strings.HasPrefix(string(e.Kind), "build") {
			e.Generation = st.generation
		}
		if e.Kind == childrpc.EventReady && e.PID == 0 && st.running {
			e.PID = in.p.PID(in.instance)
		}
		if e.Kind == childrpc.EventReady && e.Assumed {
			e.Message = "ready (assumed: " + e.Reason + ")"
		}
		l.add(e)
		if e.Kind != childrpc.EventStarted {
			continue
		}
		// A program that never says it is ready counts as ready once it has run for
		// readySettle; with --listen at once, since the held socket queues connections.
		if in.p.HoldsSockets() {
			st.ready = true
			l.add(childrpc.Event{Kind: childrpc.EventReady, Process: e.Process, Instance: e.Instance, Generation: e.Generation,
				PID: e.PID, Assumed: true, Reason: "devrun holds its --listen socket, which queues connections",
				Message: "ready (assumed: devrun holds its --listen socket)"})
			continue
		}
		generation := st.generation
		time.AfterFunc(readySettle, func() { l.send(eventInput{p: in.p, instance: in.instance, settled: generation}) })
	}
}

// cutOutput keeps the first MaxEventOutput bytes of a build's output, at a line's end when
// there is one: the first errors are the ones to fix.
func cutOutput(s string) (string, bool) {
	if len(s) <= MaxEventOutput {
		return s, false
	}
	s = s[:MaxEventOutput]
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		s = s[:i+1]
	}
	return s, true
}

// waitQuiet reads the log until label's output has been quiet for buildOutputQuiet.
func waitQuiet(lines <-chan childrpc.LogLine, label string, collect func(childrpc.LogLine)) {
	quiet := time.NewTimer(buildOutputQuiet)
	defer quiet.Stop()
	limit := time.NewTimer(buildOutputWait)
	defer limit.Stop()
	for {
		select {
		case line := <-lines:
			collect(line)
			if line.Process == label {
				quiet.Reset(buildOutputQuiet)
			}
		case <-quiet.C:
			return
		case <-limit.C:
			return
		}
	}
}

// add numbers e, keeps it and hands it to every follower; one that is too far behind is
// disconnected rather than buffered for.
func (l *EventLog) add(e childrpc.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq, e.Devrun = l.seq, l.name()
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if len(l.kept) < keptEvents {
		l.kept = append(l.kept, e)
	} else {
		l.kept[l.first] = e
		l.first = (l.first + 1) % keptEvents
	}
	for f := range l.followers {
		select {
		case f.ch <- e:
		default:
			delete(l.followers, f)
			close(f.ch)
			f.overflow()
		}
	}
}

// finish sends the last event and waits a little for the followers to pass it on.
func (l *EventLog) finish() {
	l.add(childrpc.Event{Kind: childrpc.EventStopped, Reason: "devrun is stopping", Message: "stopped"})
	l.mu.Lock()
	l.finished = true
	for f := range l.followers {
		delete(l.followers, f)
		close(f.ch)
	}
	l.mu.Unlock()
	flushed := make(chan struct{})
	go func() {
		l.senders.Wait()
		close(flushed)
	}()
	select {
	case <-flushed:
	case <-time.After(2 * time.Second):
	}
	close(l.stopped)
}

// since returns the kept events after seq, oldest first.
func (l *EventLog) sinceLocked(seq int64) []childrpc.Event {
	out := []childrpc.Event{}
	if seq < 0 {
		return out
	}
	for i := range l.kept {
		if e := l.kept[(l.first+i)%len(l.kept)]; e.Seq > seq {
			out = append(out, e)
		}
	}
	return out
}

// Events returns the kept events after seq.
func (l *EventLog) Events(seq int64) []childrpc.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sinceLocked(seq)
}

// Subscribe returns the kept events after since and, atomically with them, a channel of every
// later event (nil once devrun has stopped). The channel is closed after EventStopped, or when
// the subscriber falls followBuffer events behind, after overflow is called (to hang up on a
// client that may be stuck writing). The subscriber calls release when done; at the end devrun
// waits, a bounded time, for every subscriber to release, so that EventStopped gets out.
// The control socket's followers use it; so can anything else in devrun (a browser proxy).
func (l *EventLog) Subscribe(since int64, overflow func()) (res childrpc.EventsResult, ch <-chan childrpc.Event, release func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	res = childrpc.EventsResult{Events: l.sinceLocked(since), Last: l.seq}
	if l.finished {
		return res, nil, func() {}
	}
	f := &eventFollower{ch: make(chan childrpc.Event, followBuffer), overflow: overflow}
	l.followers[f] = struct{}{}
	l.senders.Add(1)
	var once sync.Once
	return res, f.ch, func() {
		once.Do(func() {
			l.mu.Lock()
			if _, ok := l.followers[f]; ok {
				delete(l.followers, f)
				close(f.ch)
			}
			l.mu.Unlock()
			l.senders.Done()
		})
	}
}

// Serve answers childrpc.MethodEvents on a control connection.
func (l *EventLog) Serve(conn *childrpc.Conn, params json.RawMessage) (any, error) {
	var p childrpc.EventsParams
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: childrpc.MethodEvents + ": " + err.Error()}
		}
	}
	if !p.Follow {
		l.mu.Lock()
		defer l.mu.Unlock()
		return childrpc.EventsResult{Events: l.sinceLocked(p.Since), Last: l.seq}, nil
	}
	res, ch, release := l.Subscribe(p.Since, func() { go conn.Close() })
	if ch == nil {
		return res, nil
	}
	go func() {
		defer release()
		for e := range ch {
			if conn.Notify(context.Background(), childrpc.MethodEvent, e) != nil {
				return
			}
		}
	}()
	go func() {
		<-conn.Done() // a client that hangs up is released at once
		release()
	}()
	return res, nil
}
