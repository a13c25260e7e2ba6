package main

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
	"sync"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func init() { subcommands["mcp"] = cmdMCP }

// cmdMCP serves the Model Context Protocol on stdin and stdout, for coding agents: the same
// calls as the client subcommands, as tools.
func cmdMCP(ctx context.Context, args []string, s stdio) error {
	fs := subFlags("mcp", "\n\nA Model Context Protocol server on stdin/stdout for coding agents, e.g. in .mcp.json:\n"+
		`  {"mcpServers": {"devrun": {"command": "devrun", "args": ["mcp"]}}}`+"\n", s)
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("mcp: no arguments expected, got %q", fs.Args())}
	}
	return newMCPServer().Run(ctx, guardedStdio(s.in, s.out))
}

// mcpServer holds the one tool whose description changes: call lists the methods the
// running programs registered.
type mcpServer struct {
	*mcp.Server
	mu          sync.Mutex
	callMethods string
}

func newMCPServer() *mcpServer {
	m := &mcpServer{Server: mcp.NewServer(&mcp.Implementation{Name: "devrun", Version: version}, &mcp.ServerOptions{
		Instructions: "devrun builds and runs programs under development, restarts them on save or crash, " +
			"and lets you call commands the running program registered. Use list first; after editing code, " +
			"use wait_ready (or build_error) to see whether the new code runs.",
	})}
	mcp.AddTool(m.Server, &mcp.Tool{Name: "list", Description: "List the running devruns of this user: name, folder, command, and each process with its child pid, state, restarts and registered methods."}, mcpList)
	mcp.AddTool(m.Server, &mcp.Tool{Name: "status", Description: "Status of one devrun: its processes (state, pid, restarts, methods), the state they are in after the latest events (built, running, ready, failed), and the last 20 events."}, mcpStatus)
	mcp.AddTool(m.Server, &mcp.Tool{Name: "logs", Description: "The last lines of a devrun's output: the program's stdout and stderr and devrun's own lines, oldest first. since_event (a seq from events or status) keeps only what came from that event on, e.g. the output since the last start."}, mcpLogs)
	mcp.AddTool(m.Server, &mcp.Tool{Name: "events", Description: "The kept lifecycle events of a devrun (the last 200): change, build-started, build-failed (with the compiler output), build-ok, started, ready, exited, crash-loop, reloaded, stopped. Each has a seq; since leaves out older ones."}, mcpEvents)
	mcp.AddTool(m.Server, &mcp.Tool{Name: "build_error", Description: "The output of the last failed build of a devrun, if its latest build failed; otherwise says that the last build succeeded (or that it has no build step)."}, mcpBuildError)
	mcp.AddTool(m.Server, &mcp.Tool{Name: "restart", Description: "Restart a devrun's program (rebuilding it first in Go mode), as if a file had changed, and by default wait until the new one is ready or has failed: the answer says which, with the build output or exit on a failure."}, mcpRestart)
	mcp.AddTool(m.Server, &mcp.Tool{Name: "stop", Description: "Stop a devrun and its program."}, mcpStop)
	mcp.AddTool(m.Server, &mcp.Tool{Name: "start", Description: "Start a new devrun in the background for a target in a folder (a Go package such as ./cmd/server or ., an executable, a .js/.py file, or a command) and return its name once its control socket answers. Its output is read with logs."}, mcpStart)
	mcp.AddTool(m.Server, &mcp.Tool{Name: "wait_ready", Description: "Wait until a devrun's program is ready (it said so, or it has run for 1 s without saying so, or at once with --listen), or has failed (build failed, crashed). Waits for a devrun that has not started yet."}, mcpWaitReady)
	m.addCallTool("")
	m.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "tools/list" {
				m.refreshCallTool(ctx)
			}
			return next(ctx, method, req)
		}
	})
	return m
}

const callDescription = "Call a command (a handler) that the running program registered, with JSON params, and return its result. "

func (m *mcpServer) addCallTool(methods string) {
	desc := callDescription + "No program has registered methods yet (see list)."
	if methods != "" {
		desc = callDescription + "Registered now: " + methods + "."
	}
	mcp.AddTool(m.Server, &mcp.Tool{Name: "call", Description: desc}, mcpCall)
}

// refreshCallTool rewrites call's description when the registered methods changed; only then,
// since a change makes the client list the tools again.
func (m *mcpServer) refreshCallTool(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list, err := childrpc.Instances(ctx)
	if err != nil {
		return
	}
	var parts []string
	for _, in := range list {
		for _, p := range in.Processes {
			if len(p.Methods) > 0 && p.Instance == 0 {
				parts = append(parts, fmt.Sprintf("%s/%s: %s", in.Name, p.Name, strings.Join(p.Methods, ", ")))
			}
		}
	}
	methods := strings.Join(parts, "; ")
	m.mu.Lock()
	defer m.mu.Unlock()
	if methods != m.callMethods {
		m.callMethods = methods
		m.addCallTool(methods)
	}
}

// The tools' inputs. A field without omitempty is required.
type (
	mcpNoInput   struct{}
	mcpNameInput struct {
		Name string `json:"name,omitempty" jsonschema:"the devrun (see list); may be left out when only one runs"`
	}
	mcpLogsInput struct {
		Name       string `json:"name,omitempty" jsonschema:"the devrun (see list); may be left out when only one runs"`
		Lines      int    `json:"lines,omitempty" jsonschema:"how many of the last lines (default 100, at most 1000)"`
		SinceEvent int64  `json:"since_event,omitempty" jsonschema:"only lines from the time of the event with this seq on"`
	}
	mcpEventsInput struct {
		Name  string `json:"name,omitempty" jsonschema:"the devrun (see list); may be left out when only one runs"`
		Since int64  `json:"since,omitempty" jsonschema:"only events with a greater seq"`
		Kinds string `json:"kinds,omitempty" jsonschema:"only these kinds, comma-separated"`
	}
	mcpRestartInput struct {
		Name    string `json:"name,omitempty" jsonschema:"the devrun (see list); may be left out when only one runs"`
		Process string `json:"process,omitempty" jsonschema:"only this process, with several in one devrun"`
		NoWait  bool   `json:"no_wait,omitempty" jsonschema:"answer at once instead of waiting for the new program"`
		Timeout string `json:"timeout,omitempty" jsonschema:"how long to wait, such as 30s (the default) or 2m"`
	}
	mcpStartInput struct {
		Dir    string   `json:"dir" jsonschema:"the project folder, absolute"`
		Target string   `json:"target" jsonschema:"what to run: ./cmd/server, ., bin/server, app.js, app.py, or a command"`
		Args   []string `json:"args,omitempty" jsonschema:"arguments for the program"`
		Flags  []string `json:"flags,omitempty" jsonschema:"devrun flags, such as --listen :8080 or -w src (see devrun -h)"`
		Name   string   `json:"name,omitempty" jsonschema:"the name to give it (default: the folder's name, made unique)"`
	}
	mcpCallInput struct {
		Name    string `json:"name,omitempty" jsonschema:"the devrun (see list); may be left out when only one runs"`
		Process string `json:"process,omitempty" jsonschema:"the process, with several in one devrun"`
		Method  string `json:"method" jsonschema:"the method the program registered"`
		Params  any    `json:"params,omitempty" jsonschema:"the method's params, any JSON value"`
		Timeout string `json:"timeout,omitempty" jsonschema:"give up after this long (default 10s)"`
	}
	mcpWaitInput struct {
		Name    string `json:"name,omitempty" jsonschema:"the devrun (see list); may be left out when only one runs"`
		Process string `json:"process,omitempty" jsonschema:"only this process, with several in one devrun"`
		Timeout string `json:"timeout,omitempty" jsonschema:"how long to wait, such as 30s (the default) or 2m"`
		After   int64  `json:"after,omitempty" jsonschema:"only a start after the event with this seq counts (from events or restart)"`
	}
)

// jsonResult is a tool's answer: the value as indented JSON text.
func jsonResult(v any) (*mcp.CallToolResult, any, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil, nil
}

// textResult is a tool's answer in words; isError marks a failure the agent should act on.
func textResult(text string, isError bool) (*mcp.CallToolResult, any, error) {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, IsError: isError}, nil, nil
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

func mcpList(ctx context.Context, _ *mcp.CallToolRequest, _ mcpNoInput) (*mcp.CallToolResult, any, error) {
	list, err := childrpc.Instances(ctx)
	if err != nil {
		return nil, nil, toolError(err)
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

func mcpStatus(ctx context.Context, _ *mcp.CallToolRequest, in mcpNameInput) (*mcp.CallToolResult, any, error) {
	var info childrpc.Info
	if err := mcpControl(ctx, in.Name, "devrun.info", nil, &info); err != nil {
		return nil, nil, err
	}
	events, err := mcpKeptEvents(ctx, info.Name, 0)
	if err != nil {
		return nil, nil, err
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

func mcpLogs(ctx context.Context, _ *mcp.CallToolRequest, in mcpLogsInput) (*mcp.CallToolResult, any, error) {
	n := in.Lines
	if n <= 0 {
		n = 100
	}
	n = min(n, defaultLogLines)
	var from time.Time
	if in.SinceEvent > 0 {
		events, err := mcpKeptEvents(ctx, in.Name, in.SinceEvent-1)
		if err != nil {
			return nil, nil, err
		}
		if len(events) == 0 || events[0].Seq != in.SinceEvent {
			return nil, nil, fmt.Errorf("no event %d is kept (see events)", in.SinceEvent)
		}
		from = events[0].Time
	}
	var lines []logLine
	// All kept lines when filtering by time: the n wanted are the last n of those that pass.
	ask := n
	if !from.IsZero() {
		ask = defaultLogLines
	}
	if err := mcpControl(ctx, in.Name, "devrun.logs", map[string]any{"lines": ask}, &lines); err != nil {
		return nil, nil, err
	}
	if !from.IsZero() {
		lines = slices.DeleteFunc(lines, func(l logLine) bool { return l.Time.Before(from) })
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

func mcpEvents(ctx context.Context, _ *mcp.CallToolRequest, in mcpEventsInput) (*mcp.CallToolResult, any, error) {
	kinds, err := childrpc.ParseEventKinds(in.Kinds)
	if err != nil {
		return nil, nil, err
	}
	events, err := mcpKeptEvents(ctx, in.Name, in.Since)
	if err != nil {
		return nil, nil, err
	}
	if len(kinds) > 0 {
		events = slices.DeleteFunc(events, func(e childrpc.Event) bool { return !slices.Contains(kinds, e.Kind) })
	}
	return jsonResult(events)
}

func mcpBuildError(ctx context.Context, _ *mcp.CallToolRequest, in mcpNameInput) (*mcp.CallToolResult, any, error) {
	events, err := mcpKeptEvents(ctx, in.Name, 0)
	if err != nil {
		return nil, nil, err
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

func mcpRestart(ctx context.Context, _ *mcp.CallToolRequest, in mcpRestartInput) (*mcp.CallToolResult, any, error) {
	timeout, err := parseTimeout(in.Timeout, 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	var res childrpc.EventsResult
	if err := mcpControl(ctx, in.Name, childrpc.MethodEvents, childrpc.EventsParams{Since: -1}, &res); err != nil {
		return nil, nil, err
	}
	var params any
	if in.Process != "" {
		params = restartRequest{Process: in.Process}
	}
	if err := mcpControl(ctx, in.Name, "devrun.restart", params, nil); err != nil {
		return nil, nil, err
	}
	if in.NoWait {
		return textResult(fmt.Sprintf("restarting; wait_ready with after=%d waits for the new program", res.Last), false)
	}
	return waitAnswer(ctx, in.Name, in.Process, res.Last, timeout)
}

// waitAnswer waits for ready after the event after and says how it went.
func waitAnswer(ctx context.Context, name, process string, after int64, timeout time.Duration) (*mcp.CallToolResult, any, error) {
	w, err := waitUntil(ctx, name, process, condReady, after, timeout)
	if err != nil {
		return nil, nil, err
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

func mcpWaitReady(ctx context.Context, _ *mcp.CallToolRequest, in mcpWaitInput) (*mcp.CallToolResult, any, error) {
	timeout, err := parseTimeout(in.Timeout, 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	after := int64(-1)
	if in.After > 0 {
		after = in.After
	}
	return waitAnswer(ctx, in.Name, in.Process, after, timeout)
}

func mcpStop(ctx context.Context, _ *mcp.CallToolRequest, in mcpNameInput) (*mcp.CallToolResult, any, error) {
	if err := mcpControl(ctx, in.Name, "devrun.stop", nil, nil); err != nil {
		return nil, nil, err
	}
	return textResult("stopping", false)
}

func mcpCall(ctx context.Context, _ *mcp.CallToolRequest, in mcpCallInput) (*mcp.CallToolResult, any, error) {
	timeout, err := parseTimeout(in.Timeout, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	req := callRequest{Process: in.Process, Method: in.Method}
	if in.Params != nil {
		if req.Params, err = json.Marshal(in.Params); err != nil {
			return nil, nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var result json.RawMessage
	if err := mcpControl(ctx, in.Name, "devrun.call", req, &result); err != nil {
		var rpcErr *childrpc.Error
		if errors.As(err, &rpcErr) && rpcErr.Code == childrpc.CodeMethodNotFound {
			return nil, nil, fmt.Errorf("%s: %s; %s", in.Method, rpcErr.Message, knownMethods(ctx, in.Name, in.Process, in.Method))
		}
		return nil, nil, fmt.Errorf("%s: %w", in.Method, err)
	}
	return textResult(string(result), false)
}

// startEnv is added to the environment of a devrun that start launches (tests make it devrun).
var startEnv []string

// startTimeout bounds how long start waits for the new devrun's control socket.
const startTimeout = 15 * time.Second

func mcpStart(ctx context.Context, _ *mcp.CallToolRequest, in mcpStartInput) (*mcp.CallToolResult, any, error) {
	if !filepath.IsAbs(in.Dir) {
		return nil, nil, fmt.Errorf("dir %q: want an absolute folder", in.Dir)
	}
	if fi, err := os.Stat(in.Dir); err != nil || !fi.IsDir() {
		return nil, nil, fmt.Errorf("dir %q is not a folder", in.Dir)
	}
	if in.Target == "" {
		return nil, nil, errors.New("target: say what to run, such as ./cmd/server or app.js")
	}
	list, err := childrpc.Instances(ctx)
	if err != nil {
		return nil, nil, toolError(err)
	}
	name := in.Name
	if name == "" {
		name = uniqueName(config.NameFrom(filepath.Base(in.Dir)), list)
	} else if slices.ContainsFunc(list, func(i childrpc.Info) bool { return i.Name == name }) {
		return nil, nil, fmt.Errorf("a devrun called %q is running already", name)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	args := append(append([]string{"--name", name}, in.Flags...), "--", in.Target)
	cmd := exec.Command(self, append(args, in.Args...)...)
	cmd.Dir = in.Dir
	cmd.Env = append(os.Environ(), startEnv...)
	// Its own session: it outlives this server and the agent. Its output is kept by devrun
	// itself for logs; a pipe to us would break when we exit.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
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
			return nil, nil, fmt.Errorf("devrun %s ended before it was up (%v): exit status 2 means bad flags or target; run it in a terminal to see why",
				strings.Join(cmd.Args[1:], " "), err)
		case <-deadline:
			return nil, nil, fmt.Errorf("devrun %q started (pid %d) but its control socket did not answer within %s", name, cmd.Process.Pid, startTimeout)
		case <-ctx.Done():
			return nil, nil, ctx.Err()
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
