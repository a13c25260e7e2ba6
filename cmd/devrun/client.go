package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/spf13/pflag"
)

func init() {
	subcommands["ls"] = cmdLs
	subcommands["send"] = cmdSend
	subcommands["restart"] = cmdRestart
	subcommands["stop"] = cmdStop
	subcommands["logs"] = cmdLogs
}

// subFlags is a flag set for a client subcommand; -h prints its usage line.
func subFlags(name, usage string, s stdio) *pflag.FlagSet {
	fs := pflag.NewFlagSet("devrun "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(s.out, "Usage: devrun %s %s\n%s", name, usage, fs.FlagUsages())
	}
	return fs
}

func parseSub(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fs.Usage()
			return exitCodeError(0)
		}
		return usageError{fmt.Errorf("%s: %v", fs.Name(), err)}
	}
	return nil
}

// dial connects to an instance's control socket (the only one running when name is ""),
// serving handlers for what it sends back (devrun.log lines while following).
func dial(ctx context.Context, name string, handlers map[string]childrpc.HandlerFunc) (*childrpc.Conn, error) {
	conn, err := childrpc.DialWith(ctx, name, childrpc.ConnOptions{Handlers: handlers})
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "childrpc: "))
	}
	return conn, nil
}

func cmdLs(ctx context.Context, args []string, s stdio) error {
	fs := subFlags("ls", "[--json]", s)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	list, err := childrpc.Instances(ctx)
	if err != nil {
		return err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	if *asJSON {
		if list == nil {
			list = []childrpc.Info{}
		}
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(s.err, "no devrun is running")
		return nil
	}
	printTable(s.out, list, time.Now())
	return nil
}

func printTable(w io.Writer, list []childrpc.Info, now time.Time) {
	rows := [][]string{{"NAME", "PID", "PROCESS", "CHILD", "STATE", "RESTARTS", "UPTIME", "FOLDER", "COMMAND", "METHODS"}}
	for _, in := range list {
		instances := map[string]int{}
		for _, p := range in.Processes {
			instances[p.Name]++
		}
		for _, p := range in.Processes {
			proc := p.Name
			if instances[p.Name] > 1 {
				proc = fmt.Sprintf("%s.%d", p.Name, p.Instance)
			}
			child, uptime := "-", "-"
			if p.PID > 0 {
				child = fmt.Sprint(p.PID)
				uptime = now.Sub(p.Started).Round(time.Second).String()
			}
			state := p.State
			if p.Channel == "closed" {
				state += " (channel closed)"
			}
			methods := strings.Join(p.Methods, ",")
			if len(p.Listen) > 0 {
				methods += " listen:" + strings.Join(p.Listen, ",")
			}
			rows = append(rows, []string{in.Name, fmt.Sprint(in.PID), proc, child, state,
				fmt.Sprint(p.Restarts), uptime, in.Dir, strings.Join(in.Command, " "), methods})
		}
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s  ", widths[i], c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func cmdSend(ctx context.Context, args []string, s stdio) error {
	fs := subFlags("send", "[-n NAME] [-p PROCESS] [--instance N|all] [--timeout 10s] [--raw] METHOD [JSON|-]", s)
	name := fs.StringP("name", "n", "", "the devrun to talk to (default: the only one running)")
	process := fs.StringP("process", "p", "", "the process to call, with several in one devrun")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	instance := fs.String("instance", "", `with a scaled process: the instance number, or "all" for a list of every instance's reply`)
	raw := fs.Bool("raw", false, "print the result as it came, on one line")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usageError{errors.New("send: want METHOD and optionally JSON params (or - to read them from stdin)")}
	}
	method := fs.Arg(0)
	var params json.RawMessage
	if fs.NArg() == 2 {
		text := fs.Arg(1)
		if text == "-" {
			b, err := io.ReadAll(s.in)
			if err != nil {
				return err
			}
			text = string(b)
		}
		if !json.Valid([]byte(text)) {
			return usageError{fmt.Errorf("send: params are not valid JSON: %s", text)}
		}
		params = json.RawMessage(strings.TrimSpace(text))
	}

	// devrun answers CodeTimeout when the program takes longer than the timeout it is given;
	// the client's own deadline, a little later, covers a devrun that does not answer.
	ctx, cancel := context.WithTimeout(ctx, *timeout+time.Second)
	defer cancel()
	conn, err := dial(ctx, *name, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	var result json.RawMessage
	req := childrpc.CallParams{Process: *process, Method: method, Params: params, TimeoutMS: timeout.Milliseconds()}
	if *instance != "" {
		req.Instance, _ = json.Marshal(*instance)
	}
	err = conn.Call(ctx, childrpc.MethodCall, req, &result)
	if err != nil {
		return sendError(method, *timeout, err, s)
	}
	if *raw {
		fmt.Fprintln(s.out, string(result))
		return nil
	}
	out, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		out = result
	}
	fmt.Fprintln(s.out, string(out))
	return nil
}

// sendError prints an error reply as "devrun: METHOD: message (code N)" and exits 1.
func sendError(method string, timeout time.Duration, err error, s stdio) error {
	var rpcErr *childrpc.Error
	switch {
	case errors.As(err, &rpcErr):
		fmt.Fprintf(s.err, "devrun: %s: %s (code %d)\n", method, rpcErr.Message, rpcErr.Code)
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(s.err, "devrun: %s: no answer within %s (code %d)\n", method, timeout, childrpc.CodeTimeout)
	default:
		fmt.Fprintf(s.err, "devrun: %s: %v\n", method, err)
	}
	return exitCodeError(1)
}

// controlCall is restart and stop: one call, its name optional.
func controlCall(ctx context.Context, cmd, method string, args []string, s stdio) error {
	fs := subFlags(cmd, "[NAME]", s)
	process := fs.StringP("process", "p", "", "only this process (restart)")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{fmt.Errorf("%s: want at most one NAME", cmd)}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := dial(ctx, fs.Arg(0), nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	var params any
	if *process != "" {
		params = childrpc.RestartParams{Process: *process}
	}
	if err := conn.Call(ctx, method, params, nil); err != nil {
		return sendError(method, 10*time.Second, err, s)
	}
	fmt.Fprintf(s.err, "devrun: %s\n", map[string]string{childrpc.MethodRestart: "restarting", childrpc.MethodStop: "stopping"}[method])
	return nil
}

func cmdRestart(ctx context.Context, args []string, s stdio) error {
	return controlCall(ctx, "restart", childrpc.MethodRestart, args, s)
}

func cmdStop(ctx context.Context, args []string, s stdio) error {
	return controlCall(ctx, "stop", childrpc.MethodStop, args, s)
}

func cmdLogs(ctx context.Context, args []string, s stdio) error {
	fs := subFlags("logs", "[NAME] [-n LINES] [-f]", s)
	lines := fs.IntP("lines", "n", 100, "how many of the last lines")
	follow := fs.BoolP("follow", "f", false, "keep printing new lines until Ctrl-C")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	printLine := func(l logLine) {
		text := l.Text
		if l.Process != "" {
			text = l.Process + " | " + text
		}
		if l.Stream == "stderr" {
			text = "[stderr] " + text
		}
		fmt.Fprintln(s.out, text)
	}
	// The lines come as devrun.log notifications, which a Conn runs in order; the answer
	// to devrun.logs says how many of them are the backlog.
	followed := make(chan logLine, 256)
	handlers := map[string]childrpc.HandlerFunc{
		childrpc.MethodLog: func(ctx context.Context, params json.RawMessage) (any, error) {
			var l logLine
			if err := json.Unmarshal(params, &l); err == nil {
				select {
				case followed <- l:
				case <-ctx.Done():
				}
			}
			return nil, nil
		},
	}
	conn, err := dial(ctx, fs.Arg(0), handlers)
	if err != nil {
		return err
	}
	defer conn.Close()
	n := *lines
	answer := make(chan error, 1)
	var res childrpc.LogsResult
	go func() {
		answer <- conn.Call(ctx, childrpc.MethodLogs, childrpc.LogsParams{Lines: &n, Follow: *follow}, &res)
	}()
	printed, want := 0, -1
	for !(printed == want && !*follow) {
		select {
		case l := <-followed:
			printLine(l)
			printed++
		case err := <-answer:
			if err != nil {
				return sendError(childrpc.MethodLogs, 0, err, s)
			}
			want = res.Lines
		case <-conn.Done():
			return nil // the devrun stopped
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}
