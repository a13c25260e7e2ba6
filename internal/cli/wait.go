package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// The conditions `devrun wait` and the MCP server's wait_ready wait for.
const (
	condReady   = "ready"
	condRunning = "running"
	condBuilt   = "built"
)

// appearPoll is how often a wait looks for a devrun that has not started yet.
const appearPoll = 100 * time.Millisecond

func cmdWait(ctx context.Context, args []string, s IO) error {
	fs := subFlags("wait", "[-n NAME | NAME] [-p PROCESS] [--ready|--running|--built]\n         [--timeout 30s] [--after SEQ]", s)
	name := nameFlag(fs)
	process := fs.StringP("process", "p", "", "only this process of a devrun.toml")
	ready := fs.Bool("ready", false, "the program is ready (the default; see the README for programs that never say so)")
	running := fs.Bool("running", false, "the program has started")
	built := fs.Bool("built", false, "the last build succeeded")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long (exit status 2)")
	after := fs.Int64("after", -1, "only what happens after the event with this seq counts (see devrun events)")
	target, err := parseNamed(fs, args, name)
	if err != nil {
		return err
	}
	cond := condReady
	switch {
	case btoi(*ready)+btoi(*running)+btoi(*built) > 1:
		return UsageError{errors.New("wait: one of --ready, --running, --built")}
	case *running:
		cond = condRunning
	case *built:
		cond = condBuilt
	}
	if *timeout <= 0 {
		return UsageError{errors.New("wait: --timeout must be above 0")}
	}
	res, err := waitUntil(ctx, target, *process, cond, *after, *timeout)
	if err != nil {
		return InputError{err}
	}
	switch res.outcome {
	case waitFailed:
		fmt.Fprintf(s.Err, "devrun: %s\n", res.message)
		return ExitCodeError(1)
	case waitTimedOut:
		fmt.Fprintf(s.Err, "devrun: %s\n", res.message)
		return ExitCodeError(2)
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

type waitOutcome int

const (
	waitHeld waitOutcome = iota
	waitFailed
	waitTimedOut
)

type waitResult struct {
	outcome waitOutcome
	message string         // what a human is told
	event   childrpc.Event // the event that decided, if one did
}

// waitUntil follows the devrun called name (waiting for it to appear) until cond holds for
// every instance of process (all processes when ""), one of them fails, or timeout passes.
// With after >= 0 only events after that seq count. The error is for input that no wait
// can cure (several devruns and no name).
func waitUntil(ctx context.Context, name, process, cond string, after int64, timeout time.Duration) (waitResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	timedOut := func(what string) (waitResult, error) {
		return waitResult{outcome: waitTimedOut, message: fmt.Sprintf("%s within %s", what, timeout)}, nil
	}
	var stream *childrpc.EventStream
	absent := "no devrun answered"
	for {
		var err error
		stream, err = childrpc.FollowEvents(ctx, name, 0, true)
		if err == nil {
			break
		}
		msg := strings.TrimPrefix(err.Error(), "childrpc: ")
		switch {
		case ctx.Err() != nil:
			return timedOut(absent)
		case !strings.HasPrefix(msg, "no devrun"):
			return waitResult{}, errors.New(msg)
		}
		absent = msg
		select {
		case <-ctx.Done():
			return timedOut(absent)
		case <-time.After(appearPoll):
		}
	}
	defer stream.Close()
	w := newWaiter(cond, after)
	for {
		e, err := stream.Next(ctx)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return timedOut("not " + cond)
		case errors.Is(err, io.EOF):
			return waitResult{outcome: waitFailed, message: "devrun stopped"}, nil
		case err != nil:
			return waitResult{}, err
		}
		if process != "" && e.Process != process && e.Kind != childrpc.EventStopped {
			continue
		}
		w.apply(e)
		if stream.Caught() {
			if f := w.failure(); f != nil {
				return waitResult{outcome: waitFailed, message: failureMessage(*f), event: *f}, nil
			}
			if w.holds() {
				return waitResult{outcome: waitHeld, message: cond, event: e}, nil
			}
		}
	}
}

// failureMessage says why a wait failed, with a failed build's output.
func failureMessage(e childrpc.Event) string {
	who := e.Process
	if e.Instance > 0 {
		who += fmt.Sprintf(".%d", e.Instance)
	}
	msg := e.Message
	if who != "" {
		msg = who + ": " + msg
	}
	if e.Kind == childrpc.EventBuildFailed && e.Output != "" {
		msg += "\n" + strings.TrimRight(e.Output, "\n")
	}
	return msg
}

// waiter replays a devrun's events into the state of each instance.
type waiter struct {
	cond      string
	after     int64
	instances map[string]*waitState // by process.instance
	order     []string
	stopped   *childrpc.Event
}

type waitState struct {
	running, ready, building, changed bool
	built, everBuilt                  bool
	fresh                             bool // a start (or, for built, a build) after `after`
	failed                            *childrpc.Event
}

func newWaiter(cond string, after int64) *waiter {
	return &waiter{cond: cond, after: after, instances: map[string]*waitState{}}
}

func (w *waiter) apply(e childrpc.Event) {
	if e.Kind == childrpc.EventStopped {
		if e.Seq > w.after {
			w.stopped = &e
		}
		return
	}
	key := fmt.Sprintf("%s.%d", e.Process, e.Instance)
	st := w.instances[key]
	if st == nil {
		st = &waitState{}
		w.instances[key] = st
		w.order = append(w.order, key)
	}
	news := e.Seq > w.after
	fail := func() {
		if news {
			st.failed = &e
		}
	}
	switch e.Kind {
	case childrpc.EventChange:
		st.changed = true
	case childrpc.EventReloaded:
		st.changed = false
	case childrpc.EventBuildStarted:
		st.building, st.everBuilt = true, true
	case childrpc.EventBuildOK:
		st.building, st.changed, st.built, st.failed = false, false, true, nil
		st.fresh = st.fresh || news && w.cond == condBuilt
	case childrpc.EventBuildFailed:
		st.building, st.changed, st.built = false, false, false
		fail()
	case childrpc.EventStarted:
		st.running, st.ready, st.changed, st.failed = true, false, false, nil
		st.fresh = st.fresh || news && (w.cond != condBuilt || !st.everBuilt)
	case childrpc.EventReady:
		st.ready = st.running
	case childrpc.EventExited:
		st.running, st.ready = false, false
		if !e.ByDevrun {
			fail()
		}
	case childrpc.EventCrashLoop:
		st.running, st.ready = false, false
		fail()
	}
}

// failure is the event that makes the wait fail, or nil.
func (w *waiter) failure() *childrpc.Event {
	if w.stopped != nil {
		return w.stopped
	}
	for _, key := range w.order {
		if f := w.instances[key].failed; f != nil {
			return f
		}
	}
	return nil
}

// holds says whether every instance seen meets the condition.
func (w *waiter) holds() bool {
	if len(w.order) == 0 {
		return false
	}
	for _, key := range w.order {
		st := w.instances[key]
		if st.building || st.changed || w.after >= 0 && !st.fresh {
			return false
		}
		switch w.cond {
		case condReady:
			if !st.ready {
				return false
			}
		case condRunning:
			if !st.running {
				return false
			}
		case condBuilt:
			if !st.built && (st.everBuilt || !st.running) {
				return false
			}
		}
	}
	return true
}
