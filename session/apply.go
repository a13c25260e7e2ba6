package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
)

// Instance is what a plan acts on: one running instance of a process (a *runner.Runner).
type Instance interface {
	Call(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error)
	Signal(sig syscall.Signal)
	RestartFor(reason string, changed []string, onlyInputs bool)
}

// HandlerTimeout is how long a program's handler has to take a change before devrun restarts
// the program instead. A variable for tests.
var HandlerTimeout = 5 * time.Second

// Outcome is one thing a plan did, for the caller to report.
type Outcome struct {
	Kind  OutcomeKind
	Rule  config.Rule
	Files []string
	Took  time.Duration
	// Why says, for Fallback, what went wrong; for Ran, the command's output when it failed.
	Why    string
	Output string
}

// OutcomeKind names what happened to a rule's files.
type OutcomeKind int

const (
	Reloaded  OutcomeKind = iota + 1 // the program's handler took the files
	Ran                              // a run rule's command ran (Why is set when it failed)
	Signalled                        // a signal rule's signal was sent
	Fallback                         // a handler could not take the files (Why): restart
	Restarted                        // the program restarts, once, for the batch (Files)
)

// Apply carries out a plan on a process's instances (dir is its folder, where run commands
// run) and returns what it did, in order, as it reports each outcome (a restart just before it
// is asked for). Run commands run first, since they build what a restart or a handler then
// takes. When any file restarts, the restart takes every change of the batch and handlers and
// signals are skipped; a handler that fails also restarts.
func Apply(ctx context.Context, plan Plan, instances []Instance, dir, reason string, report func(Outcome)) []Outcome {
	var out []Outcome
	if report == nil {
		report = func(Outcome) {}
	}
	add := func(o Outcome) {
		report(o)
		out = append(out, o)
	}
	restart := len(plan.Restart) > 0
	onlyInputs := plan.OnlyInputs // a fallback or a command's restart must restart
	for _, a := range plan.Actions {
		if a.Rule.Run == "" {
			continue
		}
		add(runCommand(ctx, a, dir))
		restart = restart || a.Rule.Restart
		onlyInputs = onlyInputs && !a.Rule.Restart
	}
	if !restart {
		for _, a := range plan.Actions {
			switch {
			case a.Rule.Send != "":
				o := callHandler(ctx, a, instances)
				add(o)
				restart = restart || o.Kind == Fallback
				onlyInputs = onlyInputs && o.Kind != Fallback
			case a.Rule.Signal != "":
				sig, err := config.Signal(a.Rule.Signal)
				if err != nil {
					add(Outcome{Kind: Fallback, Rule: a.Rule, Files: a.Files, Why: err.Error()})
					restart = true
					continue
				}
				for _, in := range instances {
					in.Signal(sig)
				}
				add(Outcome{Kind: Signalled, Rule: a.Rule, Files: a.Files})
			}
		}
	}
	if restart {
		all := append([]string(nil), plan.Restart...)
		for _, a := range plan.Actions {
			all = append(all, a.Files...)
		}
		add(Outcome{Kind: Restarted, Files: all})
		for _, in := range instances {
			in.RestartFor(reason, all, onlyInputs)
		}
	}
	return out
}

func runCommand(ctx context.Context, a Action, dir string) Outcome {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "sh", "-c", a.Rule.Run)
	cmd.Dir = dir
	var output tail // a command that prints without end must not grow devrun
	cmd.Stdout, cmd.Stderr = &output, &output
	err := cmd.Run()
	o := Outcome{Kind: Ran, Rule: a.Rule, Files: a.Files, Took: time.Since(start)}
	if err != nil {
		o.Why, o.Output = err.Error(), output.String()
	}
	return o
}

// tail keeps the last maxOutput bytes written to it: the end of a failed command's output is
// where it says why.
type tail struct {
	buf []byte
	cut bool
}

const maxOutput = 4 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > maxOutput {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-maxOutput:]...)
		t.cut = true
	}
	return len(p), nil
}

func (t *tail) String() string {
	if t.cut {
		return "(cut) …" + string(t.buf)
	}
	return string(t.buf)
}

// callHandler gives the files to the handler of every instance; the first failure decides.
func callHandler(ctx context.Context, a Action, instances []Instance) Outcome {
	start := time.Now()
	params, _ := json.Marshal(childrpc.ChangesParams{Files: a.Files})
	o := Outcome{Kind: Reloaded, Rule: a.Rule, Files: a.Files}
	for _, in := range instances {
		cctx, cancel := context.WithTimeout(ctx, HandlerTimeout)
		res, err := in.Call(cctx, a.Rule.Send, params)
		cancel()
		var asked childrpc.ChangesResult
		if err == nil && len(res) > 0 && json.Unmarshal(res, &asked) == nil && asked.Restart {
			o.Kind, o.Why = Fallback, "the handler asked for a restart"
			break
		}
		if err != nil {
			o.Kind, o.Why = Fallback, handlerFailure(a.Rule.Send, err)
			break
		}
	}
	o.Took = time.Since(start)
	return o
}

// handlerFailure says in a few words why a handler did not take the files.
func handlerFailure(method string, err error) string {
	var rpcErr *childrpc.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s did not answer within %s", method, HandlerTimeout)
	case errors.As(err, &rpcErr) && rpcErr.Code == childrpc.CodeMethodNotFound:
		return fmt.Sprintf("the program has no handler %s", method)
	case errors.As(err, &rpcErr) && rpcErr.Code == childrpc.CodeNoChild:
		return "no program is running"
	case errors.As(err, &rpcErr) && rpcErr.Code == childrpc.CodeInternalError:
		return fmt.Sprintf("%s panicked: %s", method, rpcErr.Message)
	case errors.As(err, &rpcErr):
		return fmt.Sprintf("%s failed: %s", method, rpcErr.Message)
	}
	return fmt.Sprintf("%s: %v", method, err)
}

// Describe is an outcome as devrun prints it.
func (o Outcome) Describe() string {
	files := strings.Join(o.Files, ", ")
	switch o.Kind {
	case Reloaded:
		return fmt.Sprintf("reloaded by %s: %s (%s)", o.Rule.Send, files, roundMS(o.Took))
	case Ran:
		if o.Why != "" {
			return fmt.Sprintf("%s failed (%s) for %s", o.Rule.Run, o.Why, files)
		}
		return fmt.Sprintf("ran %s for %s (%s)", o.Rule.Run, files, roundMS(o.Took))
	case Signalled:
		return fmt.Sprintf("sent %s for %s", o.Rule.Signal, files)
	case Fallback:
		return fmt.Sprintf("%s; restarting", o.Why)
	}
	return ""
}

func roundMS(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
