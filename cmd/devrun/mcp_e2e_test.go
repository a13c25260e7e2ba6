package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A devrun that the MCP server's start tool launches is this test binary too, so it must be
// told to play devrun (TestMain takes the variable away before Run).
func init() {
	if os.Getenv("DEVRUN_TEST_AS") == "devrun" {
		subcommands.StartEnv = []string{"DEVRUN_TEST_AS=devrun"}
	}
}

func mcpCommand(t *testing.T, rep *reporter) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "mcp")
	cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "NO_COLOR=1", "XDG_RUNTIME_DIR="+runtimeDir(t), "DEVRUN_TEST_REPORT="+rep.path)
	return cmd
}

func toolText(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// TestMCPWithGoSDKClient drives `devrun mcp` with the official SDK's client: it lists the
// tools, reads the logs, calls a handler, restarts the program, starts and stops a devrun.
func TestMCPWithGoSDKClient(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	d, pid := startRPCDevrun(t, "app", rep)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mc := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	session, err := mc.Connect(ctx, &mcp.CommandTransport{Command: mcpCommand(t, rep)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	call := func(name string, args map[string]any) (string, bool) {
		t.Helper()
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return toolText(t, res), res.IsError
	}

	tools, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
		if tool.Description == "" || tool.InputSchema == nil {
			t.Errorf("tool %s: no description or schema", tool.Name)
		}
		if tool.Name == "call" && !strings.Contains(tool.Description, "app/") || tool.Name == "call" && !strings.Contains(tool.Description, "ping") {
			t.Errorf("call's description does not offer the program's methods: %s", tool.Description)
		}
	}
	for _, want := range []string{"list", "status", "logs", "events", "build_error", "restart", "stop", "start", "call", "wait_ready"} {
		if !slices.Contains(names, want) {
			t.Errorf("no tool %q in %v", want, names)
		}
	}

	if out, isErr := call("list", nil); isErr || !strings.Contains(out, `"name": "app"`) || !strings.Contains(out, pid) {
		t.Fatalf("list: %v %s", isErr, out)
	}
	if out, isErr := call("call", map[string]any{"method": "ping"}); isErr || out != `"pong"` {
		t.Fatalf("call ping: %v %s", isErr, out)
	}
	if out, isErr := call("call", map[string]any{"method": "pong"}); !isErr || !strings.Contains(out, `did you mean "ping"`) {
		t.Fatalf("call pong: %v %s", isErr, out)
	}
	if out, isErr := call("call", map[string]any{"method": "say", "params": map[string]any{"Text": "hello from mcp"}}); isErr {
		t.Fatalf("call say: %s", out)
	}
	d.stderr.WaitFor(t, "hello from mcp")
	for deadline := time.Now().Add(30 * time.Second); ; {
		// devrun writes the line out before it keeps it: ask again until it is there.
		out, isErr := call("logs", map[string]any{"lines": 20})
		if !isErr && strings.Contains(out, "hello from mcp") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("logs never showed the program's output: %v %s", isErr, out)
		}
	}
	if out, _ := call("wait_ready", map[string]any{"name": "app", "timeout": "20s"}); !strings.HasPrefix(out, "ready") {
		t.Fatalf("wait_ready: %s", out)
	}

	out, isErr := call("restart", map[string]any{"name": "app"})
	rep.next(t, "stop "+pid)
	newPID := pidOf(rep.next(t, "start"))
	if isErr || !strings.Contains(out, fmt.Sprintf("ready (pid %s, generation 2", newPID)) {
		t.Fatalf("restart: %v %s, want ready with pid %s", isErr, out, newPID)
	}
	if out, _ := call("events", map[string]any{"kinds": "started"}); strings.Count(out, `"kind": "started"`) != 2 {
		t.Fatalf("events: %s", out)
	}
	if out, _ := call("logs", map[string]any{"since_event": 1, "lines": 1000}); !strings.Contains(out, "restarting: restart requested") {
		t.Fatalf("logs since the first event: %s", out)
	}
	if out, isErr := call("status", map[string]any{"name": "nosuch"}); !isErr || !strings.Contains(out, `no devrun named "nosuch"`) {
		t.Fatalf("status of a devrun that is not there: %v %s", isErr, out)
	}
	if out, isErr := call("wait_ready", map[string]any{"timeout": "soon"}); !isErr || !strings.Contains(out, "soon") {
		t.Fatalf("wait_ready with a bad timeout: %v %s", isErr, out)
	}

	// start launches a devrun that outlives the call; stop ends it.
	out, isErr = call("start", map[string]any{"dir": t.TempDir(), "target": os.Args[0], "args": []string{"serve"},
		"flags": []string{"--env", "DEVRUN_TEST_AS=child"}, "name": "spawned"})
	if isErr || !strings.Contains(out, `"name": "spawned"`) {
		t.Fatalf("start: %v %s", isErr, out)
	}
	t.Cleanup(func() { client(t, "", "stop", "spawned") })
	spawned := pidOf(rep.next(t, "start"))
	if out, isErr := call("status", map[string]any{"name": "spawned"}); isErr || !strings.Contains(out, `"pid": `+spawned) {
		t.Fatalf("status spawned: %v %s", isErr, out)
	}
	if out, isErr := call("stop", map[string]any{"name": "spawned"}); isErr || out != "stopping" {
		t.Fatalf("stop: %v %s", isErr, out)
	}
	rep.next(t, "stop "+spawned)
}

// TestMCPRawJSONRPC speaks the protocol by hand over stdio: initialize, tools/list,
// tools/call; a malformed line gets a JSON-RPC error and the server goes on.
func TestMCPRawJSONRPC(t *testing.T) {
	t.Parallel()
	rep := newReporter(t)
	startRPCDevrun(t, "raw", rep)
	cmd := mcpCommand(t, rep)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	replies := make(chan map[string]any, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				replies <- m
			}
		}
		close(replies)
	}()
	send := func(line string) {
		t.Helper()
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	reply := func() map[string]any {
		t.Helper()
		for {
			select {
			case m, ok := <-replies:
				if !ok {
					t.Fatal("the MCP server closed its output")
				}
				if _, isNote := m["method"]; !isNote {
					return m // notifications (tools/list_changed) are not replies
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no reply within 30s")
			}
		}
	}
	result := func(m map[string]any) map[string]any {
		t.Helper()
		r, ok := m["result"].(map[string]any)
		if !ok {
			t.Fatalf("want a result: %v", m)
		}
		return r
	}

	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	if info := result(reply())["serverInfo"].(map[string]any); info["name"] != "devrun" {
		t.Fatalf("initialize: serverInfo %v", info)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	tools := result(reply())["tools"].([]any)
	if len(tools) != 10 {
		t.Fatalf("tools/list: %d tools: %v", len(tools), tools)
	}
	for _, bad := range []struct{ line, code string }{
		{`this is not json`, "-32700"},
		{`{"id":3,"method":"tools/list"}`, "-32600"},
		{`[{"jsonrpc":"2.0","id":4,"method":"tools/list"}]`, "-32600"},
	} {
		send(bad.line)
		m := reply()
		e, ok := m["error"].(map[string]any)
		if !ok || fmt.Sprint(e["code"]) != bad.code {
			t.Fatalf("%s: want error %s, got %v", bad.line, bad.code, m)
		}
	}
	send(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"call","arguments":{"name":"raw","method":"echo","params":{"a":1}}}}`)
	m := reply()
	if m["id"] != float64(5) {
		t.Fatalf("tools/call: %v", m)
	}
	content := result(m)["content"].([]any)
	if text := content[0].(map[string]any)["text"]; text != `{"a":1}` {
		t.Fatalf("tools/call echo: %v", m)
	}
}

// mcpCallOnce runs `devrun mcp` for one tools/call and returns the text of its result.
func mcpCallOnce(t *testing.T, tool, args string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "mcp")
	cmd.Env = append(os.Environ(), "DEVRUN_TEST_AS=devrun", "XDG_RUNTIME_DIR="+runtimeDir(t))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	giveUp := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() }) // then the scan below ends
	defer func() {
		giveUp.Stop()
		stdin.Close()
		cmd.Wait()
	}()
	fmt.Fprintln(stdin, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"once","version":"1"}}}`)
	fmt.Fprintln(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	fmt.Fprintf(stdin, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":%q,"arguments":%s}}`+"\n", tool, args)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct {
			ID     int `json:"id"`
			Result struct {
				Content []struct{ Text string } `json:"content"`
			} `json:"result"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.ID == 2 && len(m.Result.Content) > 0 {
			return m.Result.Content[0].Text
		}
	}
	t.Fatalf("no answer to tools/call %s", tool)
	return ""
}
