package session

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
)

// fakeInstance records what a plan does to it and answers calls as told.
type fakeInstance struct {
	answer   func(method string, params json.RawMessage) (json.RawMessage, error)
	calls    []string
	signals  []syscall.Signal
	restarts [][]string
}

func (f *fakeInstance) Call(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	f.calls = append(f.calls, method+" "+string(params))
	if reflect.ValueOf(f.answer).Pointer() == reflect.ValueOf(hang).Pointer() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.answer == nil {
		return json.RawMessage(`null`), nil
	}
	return f.answer(method, params)
}
func (f *fakeInstance) Signal(sig syscall.Signal) { f.signals = append(f.signals, sig) }
func (f *fakeInstance) RestartFor(reason string, changed []string, onlyInputs bool) {
	f.restarts = append(f.restarts, changed)
}

// hang stands for a handler that never answers: the fake waits for the call's context.
func hang(string, json.RawMessage) (json.RawMessage, error) { panic("the fake waits instead") }

func TestApply(t *testing.T) {
	defer func(d time.Duration) { HandlerTimeout = d }(HandlerTimeout)
	HandlerTimeout = 5 * time.Millisecond
	send := config.Rule{Files: []string{"templates/**"}, Send: "reload"}
	hup := config.Rule{Files: []string{"*.yaml"}, Signal: "SIGHUP"}
	errorWith := func(code int, msg string) func(string, json.RawMessage) (json.RawMessage, error) {
		return func(string, json.RawMessage) (json.RawMessage, error) {
			return nil, &childrpc.Error{Code: code, Message: msg}
		}
	}
	cases := []struct {
		name     string
		plan     Plan
		answer   func(string, json.RawMessage) (json.RawMessage, error)
		kinds    []OutcomeKind
		why      string
		calls    int
		restarts [][]string
		signals  int
	}{
		{name: "handler takes the files", plan: Plan{Actions: []Action{{send, []string{"templates/a.html"}}}},
			kinds: []OutcomeKind{Reloaded}, calls: 1},
		{name: "missing handler restarts", plan: Plan{Actions: []Action{{send, []string{"templates/a.html"}}}},
			answer: errorWith(childrpc.CodeMethodNotFound, "method not found"), kinds: []OutcomeKind{Fallback, Restarted},
			why: "the program has no handler reload", calls: 1, restarts: [][]string{{"templates/a.html"}}},
		{name: "handler error restarts with its message", plan: Plan{Actions: []Action{{send, []string{"templates/a.html"}}}},
			answer: errorWith(childrpc.CodeHandlerError, "template: a.html:3: unexpected EOF"), kinds: []OutcomeKind{Fallback, Restarted},
			why: "reload failed: template: a.html:3: unexpected EOF", calls: 1, restarts: [][]string{{"templates/a.html"}}},
		{name: "a panic restarts", plan: Plan{Actions: []Action{{send, []string{"templates/a.html"}}}},
			answer: errorWith(childrpc.CodeInternalError, "boom"), kinds: []OutcomeKind{Fallback, Restarted}, why: "reload panicked: boom",
			calls: 1, restarts: [][]string{{"templates/a.html"}}},
		{name: "no program running restarts", plan: Plan{Actions: []Action{{send, []string{"templates/a.html"}}}},
			answer: errorWith(childrpc.CodeNoChild, "no child is running"), kinds: []OutcomeKind{Fallback, Restarted}, why: "no program is running",
			calls: 1, restarts: [][]string{{"templates/a.html"}}},
		{name: "the handler asks for a restart", plan: Plan{Actions: []Action{{send, []string{"templates/a.html"}}}},
			answer: func(string, json.RawMessage) (json.RawMessage, error) {
				return json.RawMessage(`{"restart":true}`), nil
			},
			kinds: []OutcomeKind{Fallback, Restarted}, why: "the handler asked for a restart", calls: 1, restarts: [][]string{{"templates/a.html"}}},
		{name: "a mixed batch restarts once and calls nothing", plan: Plan{Restart: []string{"main.go"}, Actions: []Action{{send, []string{"templates/a.html"}}, {hup, []string{"app.yaml"}}}},
			kinds: []OutcomeKind{Restarted}, restarts: [][]string{{"main.go", "templates/a.html", "app.yaml"}}},
		{name: "a handler that does not answer in time restarts", plan: Plan{Actions: []Action{{send, []string{"templates/a.html"}}}},
			answer: hang, kinds: []OutcomeKind{Fallback, Restarted}, why: "reload did not answer within 5ms", calls: 1,
			restarts: [][]string{{"templates/a.html"}}},
		{name: "signal", plan: Plan{Actions: []Action{{hup, []string{"app.yaml"}}}}, kinds: []OutcomeKind{Signalled}, signals: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeInstance{answer: tc.answer}
			out := Apply(context.Background(), tc.plan, []Instance{f}, t.TempDir(), "test", nil)
			var kinds []OutcomeKind
			for _, o := range out {
				kinds = append(kinds, o.Kind)
			}
			if !reflect.DeepEqual(kinds, tc.kinds) || len(f.calls) != tc.calls || !reflect.DeepEqual(f.restarts, tc.restarts) || len(f.signals) != tc.signals {
				t.Fatalf("outcomes %v, calls %q, restarts %q, signals %v", out, f.calls, f.restarts, f.signals)
			}
			if tc.why != "" && out[0].Why != tc.why {
				t.Errorf("why = %q, want %q", out[0].Why, tc.why)
			}
			if tc.calls > 0 && f.calls[0] != `reload {"files":["templates/a.html"]}` {
				t.Errorf("call = %q", f.calls[0])
			}
		})
	}
}

// TestApplyRunsCommandsFirst: a run rule's command runs in the process's folder, then restart
// = true restarts; a failing command says why.
func TestApplyRunsCommandsFirst(t *testing.T) {
	dir := t.TempDir()
	build := config.Rule{Files: []string{"*.css"}, Run: "echo built > out.txt", Restart: true}
	f := &fakeInstance{}
	out := Apply(context.Background(), Plan{Actions: []Action{{build, []string{"a.css"}}}}, []Instance{f}, dir, "test", nil)
	if len(out) != 2 || out[0].Kind != Ran || out[0].Why != "" || out[1].Kind != Restarted {
		t.Fatalf("outcomes %+v", out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out.txt")); err != nil || strings.TrimSpace(string(b)) != "built" {
		t.Fatalf("the command did not run in the folder: %q, %v", b, err)
	}
	failing := config.Rule{Files: []string{"*.css"}, Run: "echo oops; exit 3"}
	out = Apply(context.Background(), Plan{Actions: []Action{{failing, []string{"a.css"}}}}, []Instance{f}, dir, "test", nil)
	if len(out) != 1 || out[0].Why != "exit status 3" || strings.TrimSpace(out[0].Output) != "oops" {
		t.Fatalf("outcomes %+v", out)
	}
}

// A run command that prints a lot keeps devrun's memory bounded: only the end is kept.
func TestApplyKeepsTheEndOfAFailedCommandsOutput(t *testing.T) {
	loud := config.Rule{Files: []string{"*.css"}, Run: "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done; exit 1"}
	out := Apply(context.Background(), Plan{Actions: []Action{{loud, []string{"a.css"}}}}, nil, t.TempDir(), "test", nil)
	o := out[0]
	if len(o.Output) > maxOutput+16 || !strings.HasPrefix(o.Output, "(cut) …") || !strings.HasSuffix(o.Output, "line 1999\n") {
		t.Fatalf("kept %d bytes: %q…%q", len(o.Output), o.Output[:20], o.Output[len(o.Output)-20:])
	}
}
