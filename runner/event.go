package runner

import (
	"encoding/json"
	"fmt"
	"github.com/devrun-dev/devrun/childrpc"
	"strings"
	"time"
)

// EventKind names what happened; Event.String turns it into a line for humans.
type EventKind int

const (
	_ EventKind = iota
	// Restarting: the child asked for a restart over its channel (Reason). Restarts asked
	// for with Runner.Restart are not reported: the caller knows about them.
	Restarting
	BuildStart     // the build step started (Command)
	BuildOK        // the build succeeded after Duration
	BuildFailed    // the build failed after Duration (or could not start: Err); Reason says what runs now
	BuildCancelled // a Restart came during the build: its group was killed, a new build follows
	Starting       // a generation is about to start (Command)
	Started        // it started (PID)
	StartFailed    // it could not start (Command, Err); the runner waits for the next Restart
	Ready          // the child said it is ready (PID; Reason: how)
	NotReady       // with Overlap: the new generation did not get ready (Reason); the old one runs on
	Hello          // the child sent devrun.hello (Methods)
	Stopping       // the runner sent Signal to the group of PID
	GraceOver      // the grace period ended: SIGKILL to the group of PID
	Exited         // the child PID exited (ExitCode, or Signal when killed by a signal; Reason "stopped" when the runner stopped it)
	// Backoff, GaveUp and Waiting follow an exit the runner did not ask for, and repeat its PID,
	// ExitCode and Signal, so that each makes one line saying what happened and what follows.
	Backoff      // restart after Duration (Reason "right after start" for a crash within a second)
	GaveUp       // crashed right after start too many times in a row (Reason); waiting for the next Restart
	Waiting      // no restart: waiting for the next Restart (Reason "a build is running": for its result)
	ChildEvent   // the child sent a value that is not JSON-RPC (Value)
	ChannelError // the child channel had a problem (Reason); it keeps working
	Warning      // something degraded but supervision goes on (Reason, Err)
	Unchanged    // after RestartFor with onlyInputs, the rebuilt program equals the running one (PID): no restart (Reason)
)

var kindNames = [...]string{
	Restarting: "restarting", BuildStart: "build-start", BuildOK: "build-ok", BuildFailed: "build-failed",
	BuildCancelled: "build-cancelled", Starting: "starting", Started: "started", StartFailed: "start-failed",
	Ready: "ready", NotReady: "not-ready", Hello: "hello", Stopping: "stopping", GraceOver: "grace-over",
	Exited: "exited", Backoff: "backoff", GaveUp: "gave-up", Waiting: "waiting", ChildEvent: "child-event",
	ChannelError: "channel-error", Warning: "warning", Unchanged: "unchanged",
}

// String is a short stable name ("build-ok"), for logs and JSON.
func (k EventKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one step of the supervision, reported to Config.OnEvent in the order it happened.
// Which fields are set depends on Kind (see the EventKind constants).
type Event struct {
	Process  string // Config.Name
	Kind     EventKind
	Time     time.Time
	PID      int
	Reason   string
	Duration time.Duration
	ExitCode int    // -1 when killed by a signal
	Signal   string // signal name as the OS spells it ("terminated"), when killed by one
	Err      error
	Methods  []string              // Hello
	Reloads  []childrpc.ReloadRule // Hello: the files the program takes through its handlers
	Value    json.RawMessage       // ChildEvent
	Command  []string              // BuildStart, Starting, StartFailed
}

// maxShownValue bounds the part of a child's value that Event.String shows.
const maxShownValue = 200

// String is the line a human reads (the caller adds "[devrun] " and colour).
func (e Event) String() string {
	switch e.Kind {
	case Restarting:
		return withReason("restarting", e.Reason, ": ")
	case BuildStart:
		return "building: " + shellJoin(e.Command)
	case BuildOK:
		return "build ok in " + roundDuration(e.Duration)
	case BuildFailed:
		s := "build failed in " + roundDuration(e.Duration)
		if e.Err != nil {
			s = "build failed: " + e.Err.Error()
		}
		return withReason(s, e.Reason, "; ")
	case BuildCancelled:
		return withReason("build cancelled", e.Reason, ": ")
	case Starting:
		return "starting " + shellJoin(e.Command)
	case Started:
		return fmt.Sprintf("started (pid %d)", e.PID)
	case StartFailed:
		return fmt.Sprintf("cannot start %s: %v; waiting for a change", shellJoin(e.Command), e.Err)
	case Ready:
		return withReason(fmt.Sprintf("ready (pid %d)", e.PID), e.Reason, " via ")
	case NotReady, Unchanged:
		return e.Reason
	case Hello:
		s := "methods: none"
		if len(e.Methods) > 0 {
			s = "methods: " + strings.Join(e.Methods, ", ")
		}
		for _, r := range e.Reloads {
			s += "; reloads: " + strings.Join(r.Files, " ") + " -> " + r.Method
		}
		return s
	case Stopping:
		return fmt.Sprintf("stopping (pid %d, %s)", e.PID, e.Signal)
	case GraceOver:
		return "grace period over; killing the group"
	case Exited:
		return e.exit()
	case Backoff:
		return fmt.Sprintf("%s; restarting in %s", withReason(e.exit(), e.Reason, " "), roundDuration(e.Duration))
	case GaveUp:
		how := fmt.Sprintf("exit code %d", e.ExitCode)
		if e.Signal != "" {
			how = "signal " + e.Signal
		}
		return fmt.Sprintf("%s (%s); waiting for a change", e.Reason, how)
	case Waiting:
		if e.Reason != "" {
			return e.exit() + " while " + e.Reason
		}
		return e.exit() + "; waiting for a change"
	case ChildEvent:
		if len(e.Value) > maxShownValue { // a line for people: the value may be 16 MiB
			return fmt.Sprintf("child sent %s… (%d bytes)", e.Value[:maxShownValue], len(e.Value))
		}
		return "child sent " + string(e.Value)
	case ChannelError:
		return "channel: " + e.Reason
	case Warning:
		s := "warning: " + e.Reason
		if e.Err != nil {
			s += ": " + e.Err.Error()
		}
		return s
	}
	return e.Kind.String()
}

func (e Event) exit() string {
	if e.Signal != "" {
		return "killed by signal " + e.Signal
	}
	return fmt.Sprintf("exited with code %d", e.ExitCode)
}

func withReason(s, reason, sep string) string {
	if reason == "" {
		return s
	}
	return s + sep + reason
}

// roundDuration prints what a human wants to read: "412ms", "1.6s".
func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// shellJoin quotes what a shell would need quoted, so the line can be pasted back.
func shellJoin(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && strings.IndexFunc(a, needsQuote) < 0 {
			b.WriteString(a)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}

func needsQuote(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%", r))
}
