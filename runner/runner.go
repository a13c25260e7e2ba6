package runner

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/devrun-dev/devrun/childrpc"
)

// Runner supervises one command (see the package documentation). Its methods are safe for
// concurrent use; Run is called once.
type Runner struct {
	cfg      Config
	baseEnv  []string // os.Environ() (without inherited protocol variables) + Config.Env
	childEnv []string // baseEnv + the protocol variables that are the same for every generation
	policy   *restartPolicy

	inbox   inbox
	running atomic.Bool // Run is supervising: Restart and Kill are heard
	ran     atomic.Bool

	mu     sync.Mutex
	status Status
	conn   *childrpc.Conn // the current child's channel, nil when none
}

// Run builds (if Config.Build is set) and starts the first generation, then supervises until
// ctx is done: it then stops every process gracefully (Signal, Grace, SIGKILL) and returns nil
// once every group is gone. Failures to build or start are events, not errors: Run waits for
// the next Restart. It returns an error only when it cannot run at all (called twice, or the
// descriptors it needs cannot be opened).
func (r *Runner) Run(ctx context.Context) error {
	if !r.ran.CompareAndSwap(false, true) {
		return errors.New("runner: Run called twice")
	}
	s, err := newSupervisor(r)
	if err != nil {
		return err
	}
	defer s.close()
	s.loop(ctx)
	return nil
}

// Restart asks for a new generation: rebuild (cancelling a build in progress) then stop the old
// child and start the new one (with Overlap, the other way round). It never blocks and works
// in every state: after a crash, a failed build or a clean exit it starts again; a burst of
// calls costs one finished build and one start. Calls before Run or after it returned are
// ignored. The reason is only reported back in events that need one.
func (r *Runner) Restart(reason string) { r.post(msgRestart{reason: reason}) }

// RestartFor is Restart because files changed: the next generation finds their paths in
// DEVRUN_CHANGED (childrpc.EnvChanged), one a line. onlyInputs says that every path is compiled
// into the program: then, when Config.BuildOutput is set and the rebuilt program is identical
// to the running one, the runner says so (Unchanged) and keeps it running. A Restart or a
// restart the child asks for in the meantime still restarts.
func (r *Runner) RestartFor(reason string, changed []string, onlyInputs bool) {
	r.post(msgRestart{reason: reason, changed: changed, ifChanged: onlyInputs})
}

// Kill sends SIGKILL at once to every process group of the runner (children and build): a
// second Ctrl-C. What was killed is not restarted; Run goes on waiting for Restart, or returns
// if its context is done.
func (r *Runner) Kill() { r.post(msgKill{}) }

// Signal sends sig to the process groups of the running generations, without stopping them:
// SIGWINCH after the terminal was resized, say. It does nothing while no child runs.
func (r *Runner) Signal(sig syscall.Signal) { r.post(msgSignal{sig}) }

// Call sends a request to the current child over its channel and returns the raw result. With
// no child running, or when the child exits before answering, the error is a *childrpc.Error
// with code childrpc.CodeNoChild (-32001). An error reply is a *childrpc.Error as sent.
func (r *Runner) Call(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	r.mu.Lock()
	conn := r.conn
	r.mu.Unlock()
	if conn == nil {
		return nil, errNoChild("no child is running")
	}
	var p any
	if len(params) > 0 {
		p = params
	}
	var result json.RawMessage
	err := conn.Call(ctx, method, p, &result)
	if errors.Is(err, childrpc.ErrClosed) {
		return nil, errNoChild("the child exited before answering")
	}
	return result, err
}

// Notify sends a notification to the current child; with no child running it is a
// *childrpc.Error with code childrpc.CodeNoChild.
func (r *Runner) Notify(ctx context.Context, method string, params json.RawMessage) error {
	r.mu.Lock()
	conn := r.conn
	r.mu.Unlock()
	if conn == nil {
		return errNoChild("no child is running")
	}
	var p any
	if len(params) > 0 {
		p = params
	}
	return conn.Notify(ctx, method, p)
}

// Status is a snapshot of the runner's state. It already reflects every event passed
// to OnEvent: asked from OnEvent, it describes the state the event led to.
func (r *Runner) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.status
	if r.conn != nil && st.PID != 0 {
		st.Channel = "open"
		select {
		case <-r.conn.Done():
			st.Channel = "closed"
		default:
		}
	}
	st.Methods = append([]string(nil), st.Methods...)
	st.Listen = append([]string(nil), st.Listen...)
	if st.LastExit != nil {
		e := *st.LastExit
		st.LastExit = &e
	}
	return st
}

func (r *Runner) post(m message) {
	if r.running.Load() {
		r.inbox.post(m)
	}
}

// inbox is the supervisor's queue: anyone may post (callers, timers, process and channel
// goroutines) without ever blocking, and the supervisor takes everything in order.
type inbox struct {
	mu   sync.Mutex
	msgs []message
	wake chan struct{} // capacity 1: "there is something to take"
}

func (b *inbox) post(m message) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func (b *inbox) take() []message {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.msgs
	b.msgs = nil
	return m
}
