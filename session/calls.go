package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/runner"
)

// Callee is one instance of a process as calls reach it: a *runner.Runner.
type Callee interface {
	Call(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error)
	Notify(ctx context.Context, method string, params json.RawMessage) error
	Status() runner.Status
}

// Group is the instances of one process (one, or scale of them).
type Group struct {
	Name      string
	Instances []Callee
	Listen    []string         // the sockets devrun holds for it, for Status
	Restart   func(why string) // restarts every instance (and says so)
	next      atomic.Uint32    // round robin over the instances
}

// Processes are a devrun's processes by name: calls from devrun send, the control socket and
// devrun.call routed to an instance, restarts by name, and their status.
type Processes struct {
	Groups []*Group // in start order; the first is the default process
}

// Restart restarts the process called name, or every process when name is "".
func (c *Processes) Restart(name, why string) error {
	if name == "" {
		for _, g := range c.Groups {
			g.Restart(why)
		}
		return nil
	}
	g, err := c.group(name)
	if err != nil {
		return err
	}
	g.Restart(why)
	return nil
}

// Status describes every instance, for devrun ls and childrpc.Instances.
func (c *Processes) Status() []childrpc.ProcessInfo {
	var out []childrpc.ProcessInfo
	for _, g := range c.Groups {
		for i, in := range g.Instances {
			st := in.Status()
			out = append(out, childrpc.ProcessInfo{Name: g.Name, Instance: i, PID: st.PID, State: st.State,
				Restarts: st.Restarts, Started: st.Started, Methods: st.Methods, Listen: g.Listen, Channel: st.Channel})
		}
	}
	return out
}

// Call forwards a request to process ("" the first) and answers, or fails with a
// *childrpc.Error: an unknown process or instance is CodeInvalidParams, and no answer within
// timeout is CodeTimeout, so that a caller without a timeout of its own never waits for ever.
// instance is "" (round robin among the running ones), a number, or "all" (every instance,
// the answers in a list).
func (c *Processes) Call(ctx context.Context, process, instance, method string, params json.RawMessage, timeout time.Duration) (any, error) {
	g, err := c.group(process)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	result, err := g.call(ctx, instance, method, params)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, &childrpc.Error{Code: childrpc.CodeTimeout, Message: fmt.Sprintf("no answer within %s", timeout)}
	}
	return result, err
}

// Notify sends a notification to one instance of the first process, taking turns.
func (c *Processes) Notify(ctx context.Context, method string, params json.RawMessage) error {
	return c.Groups[0].pick().Notify(ctx, method, params)
}

// Group finds a process by name ("" is the first), or says which there are.
func (c *Processes) group(name string) (*Group, error) {
	if name == "" {
		return c.Groups[0], nil
	}
	for _, g := range c.Groups {
		if g.Name == name {
			return g, nil
		}
	}
	names := make([]string, len(c.Groups))
	for i, g := range c.Groups {
		names[i] = g.Name
	}
	return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams,
		Message: fmt.Sprintf("no process %q (have: %s)", name, strings.Join(names, ", "))}
}

func (g *Group) call(ctx context.Context, instance, method string, params json.RawMessage) (any, error) {
	switch instance {
	case "":
		return g.pick().Call(ctx, method, params)
	case "all":
		replies := make([]json.RawMessage, len(g.Instances))
		for i, in := range g.Instances {
			res, err := in.Call(ctx, method, params)
			if err != nil {
				return nil, fmt.Errorf("%s.%d: %w", g.Name, i, err)
			}
			replies[i] = res
		}
		return replies, nil
	}
	i, err := strconv.Atoi(instance)
	if err != nil || i < 0 || i >= len(g.Instances) {
		return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams,
			Message: fmt.Sprintf("process %q has instances 0 to %d, not %s", g.Name, len(g.Instances)-1, instance)}
	}
	return g.Instances[i].Call(ctx, method, params)
}

// pick takes turns among the instances whose program is running; with none running, the
// next in turn answers (with CodeNoChild).
func (g *Group) pick() Callee {
	n := len(g.Instances)
	start := int(g.next.Add(1))
	for i := range n {
		in := g.Instances[(start+i)%n]
		if in.Status().State == runner.StateRunning {
			return in
		}
	}
	return g.Instances[start%n]
}
