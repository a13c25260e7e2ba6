package childrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// EventsParams are MethodEvents's params. With Follow, each new event then comes as a
// MethodEvent notification (params: one Event) until the client hangs up or devrun stops,
// whose last event is EventStopped; a follower that does not keep up is disconnected.
// FollowEvents does all this.
type EventsParams struct {
	// Since leaves out the kept events with Seq <= Since; 0 returns every kept one and a
	// negative value none (only what happens from now on, with Follow).
	Since  int64 `json:"since"`
	Follow bool  `json:"follow"`
}

// EventsResult is MethodEvents's answer.
type EventsResult struct {
	Events []Event `json:"events"` // the kept events asked for, oldest first
	Last   int64   `json:"last"`   // the Seq of the newest event so far: a follower's next is Last+1
}

// EventKind is what happened. The set is closed: a client may reject any other value.
type EventKind string

const (
	EventChange       EventKind = "change"        // files changed (Paths); a restart or handler call follows
	EventBuildStarted EventKind = "build-started" // the build step started (Command)
	EventBuildFailed  EventKind = "build-failed"  // the build failed (Output, DurationMS, Reason)
	EventBuildOK      EventKind = "build-ok"      // the build succeeded (DurationMS)
	EventStarted      EventKind = "started"       // a generation started (PID, Generation)
	EventReady        EventKind = "ready"         // it is ready (PID, Generation, Reason; Assumed when it never said so)
	EventExited       EventKind = "exited"        // it exited (ExitCode or Signal; ByDevrun when devrun stopped it)
	EventCrashLoop    EventKind = "crash-loop"    // it crashed too often or could not start: nothing runs until a change (Reason)
	EventReloaded     EventKind = "reloaded"      // a change was handled by the program's handler instead of a restart (Method, Paths)
	EventStopped      EventKind = "stopped"       // devrun itself stopped; the last event of a stream
)

// EventKinds is every kind, in the order of a program's life.
var EventKinds = []EventKind{EventChange, EventBuildStarted, EventBuildFailed, EventBuildOK, EventStarted,
	EventReady, EventExited, EventCrashLoop, EventReloaded, EventStopped}

// ParseEventKinds reads a comma-separated list of kinds ("build-failed,exited"), refusing
// unknown ones with the list of known ones.
func ParseEventKinds(list string) ([]EventKind, error) {
	var kinds []EventKind
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		k := EventKind(s)
		known := false
		for _, e := range EventKinds {
			known = known || e == k
		}
		if !known {
			names := make([]string, len(EventKinds))
			for i, e := range EventKinds {
				names[i] = string(e)
			}
			return nil, fmt.Errorf("unknown event kind %q (known: %s)", s, strings.Join(names, ", "))
		}
		kinds = append(kinds, k)
	}
	return kinds, nil
}

// Event is one step of a devrun's life, as devrun events --json prints it and MethodEvent
// carries it. Which fields are set depends on Kind. The names match devrun ls --json
// (pid, process, instance) and devrun logs --json (time, process).
type Event struct {
	Seq        int64     `json:"seq"`  // 1, 2, ... within one devrun; Since takes it
	Time       time.Time `json:"time"` // when it happened
	Devrun     string    `json:"devrun"`
	Kind       EventKind `json:"kind"`
	Process    string    `json:"process,omitempty"`
	Instance   int       `json:"instance"`             // with scale > 1
	Generation int       `json:"generation,omitempty"` // 1 for the first child of an instance, then +1 per start
	PID        int       `json:"pid,omitempty"`
	Paths      []string  `json:"paths,omitempty"`       // change, reloaded: relative to the devrun's folder
	DurationMS float64   `json:"duration_ms,omitempty"` // build-ok, build-failed: how long the build took
	Output     string    `json:"output,omitempty"`      // build-failed: the build's output
	OutputCut  bool      `json:"output_cut,omitempty"`  // Output was longer and has been cut
	ExitCode   *int      `json:"exit_code,omitempty"`   // exited: the code, absent when killed by a signal
	Signal     string    `json:"signal,omitempty"`      // exited: the signal that killed it
	ByDevrun   bool      `json:"by_devrun,omitempty"`   // exited: devrun stopped it (restart, stop)
	Assumed    bool      `json:"assumed,omitempty"`     // ready: the program never said so (see the README)
	Method     string    `json:"method,omitempty"`      // reloaded: the handler that took the change
	Command    []string  `json:"command,omitempty"`     // build-started
	Reason     string    `json:"reason,omitempty"`      // why, for a human
	Message    string    `json:"message"`               // the whole event as one line for a human
}

// EventStream is one devrun's events, in order: the kept ones asked for, then each new one.
type EventStream struct {
	conn      *Conn
	name      string
	queue     []Event
	notes     chan Event
	next      int64 // the Seq expected next from notes
	early     map[int64]Event
	quit      chan struct{} // closed by Close: a blocked handler lets go
	closeOnce sync.Once
	follow    bool
	stopped   bool
	kept      int // events of the first answer not yet returned by Next
}

// eventBuffer bounds the notifications a slow reader of an EventStream holds; past it the
// stream stops reading and devrun hangs up on it.
const eventBuffer = 1024

// FollowEvents connects to the devrun called name ("" for the only one running) and returns
// its kept events with Seq > since (none when since < 0), then, with follow, every new one.
func FollowEvents(ctx context.Context, name string, since int64, follow bool) (*EventStream, error) {
	s := &EventStream{notes: make(chan Event, eventBuffer), early: map[int64]Event{}, quit: make(chan struct{}), follow: follow}
	handlers := map[string]HandlerFunc{MethodEvent: func(ctx context.Context, params json.RawMessage) (any, error) {
		var e Event
		if err := json.Unmarshal(params, &e); err == nil {
			select {
			case s.notes <- e:
			case <-s.quit:
			}
		}
		return nil, nil
	}}
	conn, err := DialWith(ctx, name, ConnOptions{Handlers: handlers})
	if err != nil {
		return nil, err
	}
	s.conn = conn
	var res EventsResult
	if err := conn.Call(ctx, MethodEvents, EventsParams{Since: since, Follow: follow}, &res); err != nil {
		conn.Close()
		return nil, err
	}
	s.queue, s.next, s.kept, s.name = res.Events, res.Last+1, len(res.Events), name
	if name == "" {
		// The name goes into the EventStopped that Next makes up if devrun is killed.
		var info Info
		if err := conn.Call(ctx, MethodInfo, nil, &info); err == nil {
			s.name = info.Name
		}
	}
	return s, nil
}

// Next returns the next event. When devrun hangs up without saying it stopped (it was killed),
// Next makes up the EventStopped it would have sent; after EventStopped it returns io.EOF, as
// it does at the end of the kept events when not following.
func (s *EventStream) Next(ctx context.Context) (Event, error) {
	for {
		if len(s.queue) > 0 {
			e := s.queue[0]
			s.queue = s.queue[1:]
			s.kept = max(s.kept-1, 0)
			s.name = e.Devrun
			s.stopped = s.stopped || e.Kind == EventStopped
			return e, nil
		}
		if e, ok := s.early[s.next]; ok {
			// Notifications may be handled out of order; Seq puts them back in line.
			delete(s.early, s.next)
			s.next++
			s.queue = append(s.queue, e)
			continue
		}
		if s.stopped || !s.follow {
			return Event{}, io.EOF
		}
		select {
		case e := <-s.notes:
			if e.Seq >= s.next {
				s.early[e.Seq] = e
			}
			if len(s.early) > eventBuffer {
				return Event{}, errors.New("childrpc: the event stream has a gap")
			}
		case <-s.conn.Done():
			select {
			case e := <-s.notes:
				s.early[e.Seq] = e
				continue
			default:
			}
			if len(s.early) > 0 {
				s.next = minKey(s.early) // what was lost is lost; the rest comes in order
				continue
			}
			s.queue = append(s.queue, Event{Seq: s.next, Time: time.Now(), Devrun: s.name, Kind: EventStopped,
				Reason: "the control socket closed", Message: "devrun went away"})
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

func minKey(m map[int64]Event) int64 {
	first := true
	var k int64
	for seq := range m {
		if first || seq < k {
			k, first = seq, false
		}
	}
	return k
}

// Caught says whether Next has returned every kept event of the first answer: what follows
// is news, and the state they describe is the devrun's state now.
func (s *EventStream) Caught() bool { return s.kept == 0 }

// Close hangs up.
func (s *EventStream) Close() error {
	s.closeOnce.Do(func() { close(s.quit) })
	return s.conn.Close()
}
