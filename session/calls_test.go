package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/runner"
)

// fakeCallee answers with its name, or blocks when told to.
type fakeCallee struct {
	name    string
	state   string
	blocks  bool
	calls   int
	notices int
}

func (f *fakeCallee) Call(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	f.calls++
	if f.blocks {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.state != runner.StateRunning {
		return nil, &childrpc.Error{Code: childrpc.CodeNoChild, Message: "no child is running"}
	}
	return json.RawMessage(`"` + f.name + `"`), nil
}
func (f *fakeCallee) Notify(context.Context, string, json.RawMessage) error { f.notices++; return nil }
func (f *fakeCallee) Status() runner.Status                                 { return runner.Status{State: f.state} }

func TestCalls(t *testing.T) {
	web := &fakeCallee{name: "web", state: runner.StateRunning}
	w0 := &fakeCallee{name: "w0", state: runner.StateRunning}
	w1 := &fakeCallee{name: "w1", state: runner.StateCrashed}
	w2 := &fakeCallee{name: "w2", state: runner.StateRunning}
	slow := &fakeCallee{name: "slow", state: runner.StateRunning, blocks: true}
	c := &Processes{Groups: []*Group{
		{Name: "web", Instances: []Callee{web}},
		{Name: "worker", Instances: []Callee{w0, w1, w2}},
		{Name: "slow", Instances: []Callee{slow}},
	}}
	call := func(process, instance string) (string, error) {
		res, err := c.Call(context.Background(), process, instance, "who", nil, 50*time.Millisecond)
		if err != nil {
			return "", err
		}
		b, _ := json.Marshal(res)
		return string(b), nil
	}
	code := func(err error) int {
		var e *childrpc.Error
		if errors.As(err, &e) {
			return e.Code
		}
		return 0
	}
	if got, err := call("", ""); got != `"web"` || err != nil {
		t.Errorf(`"" goes to the first process: %s, %v`, got, err)
	}
	// Round robin skips the instance that is not running.
	var seen []string
	for range 4 {
		got, err := call("worker", "")
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, got)
	}
	if got := fmt.Sprint(seen); w1.calls != 0 || !strings.Contains(got, `"w0"`) || !strings.Contains(got, `"w2"`) {
		t.Errorf("round robin: %v, the crashed one called %d times", seen, w1.calls)
	}
	if got, _ := call("worker", "0"); got != `"w0"` {
		t.Errorf("instance 0: %s", got)
	}
	if _, err := call("worker", "1"); code(err) != childrpc.CodeNoChild {
		t.Errorf("a given instance that is not running: %v", err)
	}
	if _, err := call("worker", "all"); err == nil || code(err) != childrpc.CodeNoChild || err.Error()[:9] != "worker.1:" {
		t.Errorf(`"all" with one instance down: %v`, err)
	}
	w1.state = runner.StateRunning
	if got, err := call("worker", "all"); got != `["w0","w1","w2"]` || err != nil {
		t.Errorf(`"all": %s, %v`, got, err)
	}
	for _, bad := range []struct{ process, instance, msg string }{
		{"wroker", "", `no process "wroker" (have: web, worker, slow)`},
		{"worker", "3", `process "worker" has instances 0 to 2, not 3`},
		{"worker", "x", `process "worker" has instances 0 to 2, not x`},
	} {
		_, err := call(bad.process, bad.instance)
		var e *childrpc.Error
		if !errors.As(err, &e) || e.Code != childrpc.CodeInvalidParams || e.Message != bad.msg {
			t.Errorf("%s/%s: %v, want %q", bad.process, bad.instance, err, bad.msg)
		}
	}
	var e *childrpc.Error
	if _, err := call("slow", ""); !errors.As(err, &e) || e.Code != childrpc.CodeTimeout || e.Message != "no answer within 50ms" {
		t.Errorf("a program that never answers: %v", err)
	}
	if err := c.Notify(context.Background(), "n", nil); err != nil || web.notices != 1 {
		t.Errorf("notify: %v, %d", err, web.notices)
	}
}

func TestRestartAndStatus(t *testing.T) {
	var restarted []string
	restart := func(name string) func(string) {
		return func(why string) { restarted = append(restarted, name+": "+why) }
	}
	c := &Processes{Groups: []*Group{
		{Name: "web", Instances: []Callee{&fakeCallee{state: runner.StateRunning}}, Listen: []string{"http=:8080"}, Restart: restart("web")},
		{Name: "worker", Instances: []Callee{&fakeCallee{state: runner.StateRunning}, &fakeCallee{state: runner.StateWaiting}}, Restart: restart("worker")},
	}}
	if err := c.Restart("worker", "rs"); err != nil || fmt.Sprint(restarted) != "[worker: rs]" {
		t.Fatalf("restart worker: %v, %v", err, restarted)
	}
	if err := c.Restart("", "rs"); err != nil || len(restarted) != 3 {
		t.Fatalf("restart all: %v, %v", err, restarted)
	}
	var e *childrpc.Error
	if err := c.Restart("wokrer", "rs"); !errors.As(err, &e) || e.Message != `no process "wokrer" (have: web, worker)` {
		t.Fatalf("restart of an unknown process: %v", err)
	}
	st := c.Status()
	if len(st) != 3 || st[0].Name != "web" || st[0].Listen[0] != "http=:8080" || st[2].Name != "worker" || st[2].Instance != 1 || st[2].State != runner.StateWaiting {
		t.Fatalf("status: %+v", st)
	}
}
