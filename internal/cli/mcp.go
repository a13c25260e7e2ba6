package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
	"github.com/devrun-dev/devrun/internal/mcp"
	sess "github.com/devrun-dev/devrun/session"
)

// cmdMCP serves the Model Context Protocol on stdin and stdout, for coding agents: the same
// calls as the client subcommands, as tools.
func (d *Devrun) cmdMCP(ctx context.Context, args []string, s IO) error {
	fs := subFlags("mcp", "\n\nA Model Context Protocol server on stdin/stdout for coding agents, e.g. in .mcp.json:\n"+
		`  {"mcpServers": {"devrun": {"command": "devrun", "args": ["mcp"]}}}`+"\n", s)
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return UsageError{fmt.Errorf("mcp: no arguments expected, got %q", fs.Args())}
	}
	return mcp.Serve(ctx, s.In, s.Out, mcp.Server{Name: "devrun", Version: d.Version, Instructions: mcpInstructions, Tools: d.mcpTools()})
}

const mcpInstructions = "devrun builds and runs programs under development, restarts them on save or crash, " +
	"and lets you call commands the running program registered. Use list first; after editing code, " +
	"use wait_ready (or build_error) to see whether the new code runs."

// The tools' input schemas, by property.
var (
	nameProp    = mcp.Prop{Name: "name", Type: "string", Desc: "the devrun (see list); may be left out when only one runs"}
	processProp = mcp.Prop{Name: "process", Type: "string", Desc: "only this process, with several in one devrun"}
	timeoutProp = mcp.Prop{Name: "timeout", Type: "string", Desc: "how long to wait, such as 30s (the default) or 2m"}
)

func (d *Devrun) mcpTools() []*mcp.Tool {
	tools := []*mcp.Tool{
		mcp.NewTool("list", "List the running devruns of this user: name, folder, command, and each process with its child pid, state, restarts and registered methods.",
			nil, func(ctx context.Context, _ struct{}) (mcp.Answer, error) { return mcpList(ctx) }),
		mcp.NewTool("status", "Status of one devrun: its processes (state, pid, restarts, methods), the state they are in after the latest events (built, running, ready, failed), and the last 20 events.",
			[]mcp.Prop{nameProp}, mcpStatus),
		mcp.NewTool("logs", "The last lines of a devrun's output: the program's stdout and stderr and devrun's own lines, oldest first. since_event (a seq from events or status) keeps only what came from that event on, e.g. the output since the last start.",
			[]mcp.Prop{nameProp, {Name: "lines", Type: "integer", Desc: "how many of the last lines (default 100, at most 1000)"},
				{Name: "since_event", Type: "integer", Desc: "only lines from the time of the event with this seq on"}}, mcpLogs),
		mcp.NewTool("events", "The kept lifecycle events of a devrun (the last 200): change, build-started, build-failed (with the compiler output), build-ok, started, ready, exited, crash-loop, reloaded, stopped. Each has a seq; since leaves out older ones.",
			[]mcp.Prop{nameProp, {Name: "since", Type: "integer", Desc: "only events with a greater seq"},
				{Name: "kinds", Type: "string", Desc: "only these kinds, comma-separated"}}, mcpEvents),
		mcp.NewTool("build_error", "The output of the last failed build of a devrun, if its latest build failed; otherwise says that the last build succeeded (or that it has no build step).",
			[]mcp.Prop{nameProp}, mcpBuildError),
		mcp.NewTool("restart", "Restart a devrun's program (rebuilding it first in Go mode), as if a file had changed, and by default wait until the new one is ready or has failed: the answer says which, with the build output or exit on a failure.",
			[]mcp.Prop{nameProp, processProp, {Name: "no_wait", Type: "boolean", Desc: "answer at once instead of waiting for the new program"}, timeoutProp}, mcpRestart),
		mcp.NewTool("stop", "Stop a devrun and its program.", []mcp.Prop{nameProp}, mcpStop),
		mcp.NewTool("start", "Start a new devrun in the background for a target in a folder (a Go package such as ./cmd/server or ., an executable, a .js/.py file, or a command) and return its name once its control socket answers. Its output is read with logs.",
			[]mcp.Prop{{Name: "dir", Type: "string", Desc: "the project folder, absolute", Required: true},
				{Name: "target", Type: "string", Desc: "what to run: ./cmd/server, ., bin/server, app.js, app.py, or a command", Required: true},
				{Name: "args", Type: "array", Desc: "arguments for the program"},
				{Name: "flags", Type: "array", Desc: "devrun flags, such as --listen :8080 or -w src (see devrun -h)"},
				{Name: "name", Type: "string", Desc: "the name to give it (default: the folder's name, made unique)"}}, d.mcpStart),
		mcp.NewTool("call", "", // described when listed: the registered methods change
			[]mcp.Prop{{Name: "name", Type: "string", Desc: nameProp.Desc}, {Name: "process", Type: "string", Desc: "the process, with several in one devrun"},
				{Name: "method", Type: "string", Desc: "the method the program registered", Required: true},
				{Name: "params", Desc: "the method's params, any JSON value"},
				{Name: "timeout", Type: "string", Desc: "give up after this long (default 10s)"}}, mcpCall),
		mcp.NewTool("wait_ready", "Wait until a devrun's program is ready (it said so, or it has run for 1 s without saying so, or at once with --listen), or has failed (build failed, crashed). Waits for a devrun that has not started yet.",
			[]mcp.Prop{nameProp, processProp, timeoutProp,
				{Name: "after", Type: "integer", Desc: "only a start after the event with this seq counts (from events or restart)"}}, mcpWaitReady),
	}
	for _, t := range tools {
		if t.Name == "call" {
			t.Describe = callToolDescription
		}
	}
	return tools
}

const callDescription = "Call a command (a handler) that the running program registered, with JSON params, and return its result. "

// callToolDescription lists the methods the running programs registered now.
func callToolDescription(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list, _ := childrpc.Instances(ctx)
	var parts []string
	for _, in := range list {
		for _, p := range in.Processes {
			if len(p.Methods) > 0 && p.Instance == 0 {
				parts = append(parts, fmt.Sprintf("%s/%s: %s", in.Name, p.Name, strings.Join(p.Methods, ", ")))
			}
		}
	}
	if len(parts) == 0 {
		return callDescription + "No running program has registered methods yet (see list)."
	}
	return callDescription + "Registered now (devrun/process: methods): " + strings.Join(parts, "; ") + "."
}

// The tools' inputs, decoded from their arguments.
type (
	mcpNameInput struct {
		Name string `json:"name"`
	}
	mcpLogsInput struct {
		Name       string `json:"name"`
		Lines      int    `json:"lines"`
		SinceEvent int64  `json:"since_event"`
	}
	mcpEventsInput struct {
		Name  string `json:"name"`
		Since int64  `json:"since"`
		Kinds string `json:"kinds"`
	}
	mcpRestartInput struct {
		Name    string `json:"name"`
		Process string `json:"process"`
		NoWait  bool   `json:"no_wait"`
		Timeout string `json:"timeout"`
	}
	mcpStartInput struct {
		Dir    string   `json:"dir"`
		Target string   `json:"target"`
		Args   []string `json:"args"`
		Flags  []string `json:"flags"`
		Name   string   `json:"name"`
	}
	mcpCallInput struct {
		Name    string          `json:"name"`
		Process string          `json:"process"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
		Timeout string          `json:"timeout"`
	}
	mcpWaitInput struct {
		Name    string `json:"name"`
		Process string `json:"process"`
		Timeout string `json:"timeout"`
		After   int64  `json:"after"`
	}
)

// jsonResult is a tool's answer: the value as indented JSON text.
func jsonResult(v any) (mcp.Answer, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return mcp.Answer{}, err
	}
	return mcp.Answer{Text: string(b)}, nil
}

// textResult is a tool's answer in words; isError marks a failure the agent should act on.
func textResult(text string, isError bool) (mcp.Answer, error) {
	return mcp.Answer{Text: text, IsError: isError}, nil
}

func toolError(err error) error { return errors.New(strings.TrimPrefix(err.Error(), "childrpc: ")) }

func parseTimeout(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("timeout %q: want a duration such as 30s or 2m", s)
	}
	return d, nil
}

func mcpList(ctx context.Context) (mcp.Answer, error) {
	list, err := childrpc.Instances(ctx)
	if err != nil {
		return mcp.Answer{}, toolError(err)
	}
	if list == nil {
		list = []childrpc.Info{}
	}
	return jsonResult(list)
}

// mcpControl makes one call to a devrun's control socket.
func mcpControl(ctx context.Context, name, method string, params, result any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := childrpc.Dial(ctx, name)
	if err != nil {
		return toolError(err)
	}
	defer conn.Close()
	return conn.Call(ctx, method, params, result)
}

// mcpKeptEvents returns a devrun's kept events after since.
func mcpKeptEvents(ctx context.Context, name string, since int64) ([]childrpc.Event, error) {
	var res childrpc.EventsResult
	if err := mcpControl(ctx, name, childrpc.MethodEvents, childrpc.EventsParams{Since: since}, &res); err != nil {
		return nil, err
	}
	return res.Events, nil
}

func mcpStatus(ctx context.Context, in mcpNameInput) (mcp.Answer, error) {
	var info childrpc.Info
	if err := mcpControl(ctx, in.Name, childrpc.MethodInfo, nil, &info); err != nil {
		return mcp.Answer{}, err
	}
	events, err := mcpKeptEvents(ctx, info.Name, 0)
	if err != nil {
		return mcp.Answer{}, err
	}
	state := map[string]string{}
	for _, cond := range []string{condBuilt, condRunning, condReady} {
		w := newWaiter(cond, -1)
		for _, e := range events {
			w.apply(e)
		}
		if f := w.failure(); f != nil {
			state["failed"] = failureMessage(*f)
		}
		state[cond] = fmt.Sprint(w.holds())
	}
	recent := events[max(len(events)-20, 0):]
	return jsonResult(map[string]any{"devrun": info, "state": state, "recent_events": recent})
}

func mcpLogs(ctx context.Context, in mcpLogsInput) (mcp.Answer, error) {
	n := in.Lines
	if n <= 0 {
		n = 100
	}
	n = min(n, sess.DefaultLogLines)
	var from time.Time
	if in.SinceEvent > 0 {
		events, err := mcpKeptEvents(ctx, in.Name, in.SinceEvent-1)
		if err != nil {
			return mcp.Answer{}, err
		}
		if len(events) == 0 || events[0].Seq != in.SinceEvent {
			return mcp.Answer{}, fmt.Errorf("no event %d is kept (see events)", in.SinceEvent)
		}
		from = events[0].Time
	}
	var lines []childrpc.LogLine
	// All kept lines when filtering by time: the n wanted are the last n of those that pass.
	ask := n
	if !from.IsZero() {
		ask = sess.DefaultLogLines
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := readLogs(lctx, in.Name, ask, false, func(l childrpc.LogLine) { lines = append(lines, l) }); err != nil {
		return mcp.Answer{}, toolError(err)
	}
	if !from.IsZero() {
		lines = slices.DeleteFunc(lines, func(l childrpc.LogLine) bool { return l.Time.Before(from) })
	}
	lines = lines[max(len(lines)-n, 0):]
	var b strings.Builder
	for _, l := range lines {
		if l.Process != "" {
			b.WriteString(l.Process + " | ")
		}
		if l.Stream == "stderr" {
			b.WriteString("[stderr] ")
		}
		b.WriteString(l.Text + "\n")
	}
	if b.Len() == 0 {
		return textResult("(no lines)", false)
	}
	return textResult(b.String(), false)
}

func mcpEvents(ctx context.Context, in mcpEventsInput) (mcp.Answer, error) {
	kinds, err := childrpc.ParseEventKinds(in.Kinds)
	if err != nil {
		return mcp.Answer{}, err
	}
	events, err := mcpKeptEvents(ctx, in.Name, in.Since)
	if err != nil {
		return mcp.Answer{}, err
	}
	if len(kinds) > 0 {
		events = slices.DeleteFunc(events, func(e childrpc.Event) bool { return !slices.Contains(kinds, e.Kind) })
	}
	return jsonResult(events)
}

func mcpBuildError(ctx context.Context, in mcpNameInput) (mcp.Answer, error) {
	events, err := mcpKeptEvents(ctx, in.Name, 0)
	if err != nil {
		return mcp.Answer{}, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		switch e := events[i]; e.Kind {
		case childrpc.EventBuildFailed:
			return textResult(failureMessage(e), false)
		case childrpc.EventBuildOK:
			return textResult(fmt.Sprintf("the last build succeeded (event %d, %s)", e.Seq, e.Message), false)
		}
	}
	return textResult("no build in the kept events (the target may have no build step)", false)
}

func mcpRestart(ctx context.Context, in mcpRestartInput) (mcp.Answer, error) {
	timeout, err := parseTimeout(in.Timeout, 30*time.Second)
	if err != nil {
		return mcp.Answer{}, err
	}
	var res childrpc.EventsResult
	if err := mcpControl(ctx, in.Name, childrpc.MethodEvents, childrpc.EventsParams{Since: -1}, &res); err != nil {
		return mcp.Answer{}, err
	}
	var params any
	if in.Process != "" {
		params = childrpc.RestartParams{Process: in.Process}
	}
	if err := mcpControl(ctx, in.Name, childrpc.MethodRestart, params, nil); err != nil {
		return mcp.Answer{}, err
	}
	if in.NoWait {
		return textResult(fmt.Sprintf("restarting; wait_ready with after=%d waits for the new program", res.Last), false)
	}
	return waitAnswer(ctx, in.Name, in.Process, res.Last, timeout)
}

// waitAnswer waits for ready after the event after and says how it went.
func waitAnswer(ctx context.Context, name, process string, after int64, timeout time.Duration) (mcp.Answer, error) {
	w, err := waitUntil(ctx, name, process, condReady, after, timeout)
	if err != nil {
		return mcp.Answer{}, err
	}
	switch w.outcome {
	case waitHeld:
		msg := "ready"
		if w.event.PID > 0 {
			msg += fmt.Sprintf(" (pid %d, generation %d, event %d)", w.event.PID, w.event.Generation, w.event.Seq)
		}
		if w.event.Assumed {
			msg += ": " + w.event.Reason
		}
		return textResult(msg, false)
	case waitFailed:
		return textResult("failed: "+w.message, true)
	}
	return textResult("timed out: "+w.message, true)
}

func mcpWaitReady(ctx context.Context, in mcpWaitInput) (mcp.Answer, error) {
	timeout, err := parseTimeout(in.Timeout, 30*time.Second)
	if err != nil {
		return mcp.Answer{}, err
	}
	after := int64(-1)
	if in.After > 0 {
		after = in.After
	}
	return waitAnswer(ctx, in.Name, in.Process, after, timeout)
}

func mcpStop(ctx context.Context, in mcpNameInput) (mcp.Answer, error) {
	if err := mcpControl(ctx, in.Name, childrpc.MethodStop, nil, nil); err != nil {
		return mcp.Answer{}, err
	}
	return textResult("stopping", false)
}

func mcpCall(ctx context.Context, in mcpCallInput) (mcp.Answer, error) {
	timeout, err := parseTimeout(in.Timeout, 10*time.Second)
	if err != nil {
		return mcp.Answer{}, err
	}
	req := childrpc.CallParams{Process: in.Process, Method: in.Method, TimeoutMS: timeout.Milliseconds()}
	if len(in.Params) > 0 && string(in.Params) != "null" {
		req.Params = in.Params
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var result json.RawMessage
	if err := mcpControl(ctx, in.Name, childrpc.MethodCall, req, &result); err != nil {
		var rpcErr *childrpc.Error
		if errors.As(err, &rpcErr) && rpcErr.Code == childrpc.CodeMethodNotFound {
			return mcp.Answer{}, fmt.Errorf("%s: %s; %s", in.Method, rpcErr.Message, knownMethods(ctx, in.Name, in.Process, in.Method))
		}
		return mcp.Answer{}, fmt.Errorf("%s: %w", in.Method, err)
	}
	return textResult(string(result), false)
}

// startTimeout bounds how long start waits for the new devrun's control socket.
const startTimeout = 15 * time.Second

func (d *Devrun) mcpStart(ctx context.Context, in mcpStartInput) (mcp.Answer, error) {
	if !filepath.IsAbs(in.Dir) {
		return mcp.Answer{}, fmt.Errorf("dir %q: want an absolute folder", in.Dir)
	}
	if fi, err := os.Stat(in.Dir); err != nil || !fi.IsDir() {
		return mcp.Answer{}, fmt.Errorf("dir %q is not a folder", in.Dir)
	}
	if in.Target == "" {
		return mcp.Answer{}, errors.New("target: say what to run, such as ./cmd/server or app.js")
	}
	list, err := childrpc.Instances(ctx)
	if err != nil {
		return mcp.Answer{}, toolError(err)
	}
	name := in.Name
	if name == "" {
		name = uniqueName(config.NameFrom(filepath.Base(in.Dir)), list)
	} else if slices.ContainsFunc(list, func(i childrpc.Info) bool { return i.Name == name }) {
		return mcp.Answer{}, fmt.Errorf("a devrun called %q is running already", name)
	}
	self, err := os.Executable()
	if err != nil {
		return mcp.Answer{}, err
	}
	args := append(append([]string{"--name", name}, in.Flags...), "--", in.Target)
	cmd := exec.Command(self, append(args, in.Args...)...)
	cmd.Dir = in.Dir
	cmd.Env = append(os.Environ(), d.StartEnv...)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return mcp.Answer{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(startTimeout)
	for {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := childrpc.Dial(dctx, name)
		cancel()
		if err == nil {
			conn.Close()
			return jsonResult(map[string]any{"name": name, "pid": cmd.Process.Pid, "command": append([]string{"devrun"}, cmd.Args[1:]...)})
		}
		select {
		case err := <-exited:
			return mcp.Answer{}, fmt.Errorf("devrun %s ended before it was up (%v): exit status 2 means bad flags or target; run it in a terminal to see why",
				strings.Join(cmd.Args[1:], " "), err)
		case <-deadline:
			return mcp.Answer{}, fmt.Errorf("devrun %q started (pid %d) but its control socket did not answer within %s", name, cmd.Process.Pid, startTimeout)
		case <-ctx.Done():
			return mcp.Answer{}, ctx.Err()
		case <-time.After(appearPoll):
		}
	}
}

// uniqueName is base, or base-2, base-3... when taken, as devrun itself would name it.
func uniqueName(base string, running []childrpc.Info) string {
	name := base
	for i := 2; slices.ContainsFunc(running, func(in childrpc.Info) bool { return in.Name == name }); i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name
}
