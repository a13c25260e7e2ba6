package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
)

// dial connects to an instance's control socket (the only one running when name is ""),
// serving handlers for what it sends back (devrun.log lines while following).
func dial(ctx context.Context, name string, handlers map[string]childrpc.HandlerFunc) (*childrpc.Conn, error) {
	conn, err := childrpc.DialWith(ctx, name, childrpc.ConnOptions{Handlers: handlers})
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "childrpc: "))
	}
	return conn, nil
}

func cmdLs(ctx context.Context, args []string, s IO) error {
	fs := subFlags("ls", "[-n NAME] [--json]", s)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	name := nameFlag(fs)
	only, err := parseNamed(fs, args, name)
	if err != nil {
		return err
	}
	list, err := childrpc.Instances(ctx)
	if err != nil {
		return err
	}
	if only != "" {
		list = slices.DeleteFunc(list, func(in childrpc.Info) bool { return in.Name != only })
		if len(list) == 0 {
			return fmt.Errorf("no devrun named %q is running", only)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	if *asJSON {
		if list == nil {
			list = []childrpc.Info{}
		}
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(s.Err, "no devrun is running")
		return nil
	}
	printTable(s.Out, list, time.Now())
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

func cmdSend(ctx context.Context, args []string, s IO) error {
	fs := subFlags("send", "[-n NAME] [-p PROCESS] [--instance N|all] [--timeout 10s]\n         [--raw] METHOD [JSON|-]", s)
	name := nameFlag(fs)
	process := fs.StringP("process", "p", "", "the process to call, with several in one devrun")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	instance := fs.String("instance", "", `with a scaled process: the instance number, or "all" for a list of every instance's reply`)
	raw := fs.Bool("raw", false, "print the result as it came, on one line")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return UsageError{errors.New("send: want METHOD and optionally JSON params (or - to read them from stdin)")}
	}
	method := fs.Arg(0)
	var params json.RawMessage
	if fs.NArg() == 2 {
		text := fs.Arg(1)
		if text == "-" {
			b, err := io.ReadAll(s.In)
			if err != nil {
				return err
			}
			text = string(b)
		}
		if !json.Valid([]byte(text)) {
			return UsageError{fmt.Errorf("send: params are not valid JSON: %s", text)}
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
	stopHint := hintIfSilent(ctx, *name, *process, s)
	err = conn.Call(ctx, childrpc.MethodCall, req, &result)
	stopHint()
	if err != nil {
		var rpcErr *childrpc.Error
		if errors.As(err, &rpcErr) && rpcErr.Code == childrpc.CodeMethodNotFound {
			fmt.Fprintf(s.Err, "devrun: %s: %s (code %d)\n", method, rpcErr.Message, rpcErr.Code)
			fmt.Fprintln(s.Err, "devrun: "+knownMethods(ctx, *name, *process, method))
			return ExitCodeError(1)
		}
		return sendError(method, *timeout, err, s)
	}
	if *raw {
		fmt.Fprintln(s.Out, string(result))
		return nil
	}
	out, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		out = result
	}
	fmt.Fprintln(s.Out, string(out))
	return nil
}

// sendError prints an error reply as "devrun: METHOD: message (code N)" and exits 1.
func sendError(method string, timeout time.Duration, err error, s IO) error {
	var rpcErr *childrpc.Error
	switch {
	case errors.As(err, &rpcErr):
		fmt.Fprintf(s.Err, "devrun: %s: %s (code %d)\n", method, rpcErr.Message, rpcErr.Code)
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(s.Err, "devrun: %s: no answer within %s (code %d)\n", method, timeout, childrpc.CodeTimeout)
	default:
		fmt.Fprintf(s.Err, "devrun: %s: %v\n", method, err)
	}
	return ExitCodeError(1)
}

// controlCall is restart and stop: one call, its name optional.
func controlCall(ctx context.Context, cmd, method string, args []string, s IO) error {
	fs := subFlags(cmd, "[-n NAME | NAME] [-p PROCESS]", s)
	name := nameFlag(fs)
	process := fs.StringP("process", "p", "", "only this process (restart)")
	target, err := parseNamed(fs, args, name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := dial(ctx, target, nil)
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
	fmt.Fprintf(s.Err, "devrun: %s\n", map[string]string{childrpc.MethodRestart: "restarting", childrpc.MethodStop: "stopping"}[method])
	return nil
}

func cmdRestart(ctx context.Context, args []string, s IO) error {
	return controlCall(ctx, "restart", childrpc.MethodRestart, args, s)
}

func cmdStop(ctx context.Context, args []string, s IO) error {
	return controlCall(ctx, "stop", childrpc.MethodStop, args, s)
}

func cmdLogs(ctx context.Context, args []string, s IO) error {
	fs := subFlags("logs", "[-n NAME | NAME] [-l LINES] [-f] [--json]", s)
	name := nameFlag(fs)
	lines := fs.IntP("lines", "l", 100, "how many of the last lines")
	follow := fs.BoolP("follow", "f", false, "keep printing new lines until Ctrl-C")
	asJSON := fs.Bool("json", false, "one JSON object per line: time, stream, process, text")
	target, err := parseNamed(fs, args, name)
	if err != nil {
		return err
	}
	printLine := func(l childrpc.LogLine) {
		if *asJSON {
			b, _ := json.Marshal(l)
			fmt.Fprintln(s.Out, string(b))
			return
		}
		text := l.Text
		if l.Process != "" {
			text = l.Process + " | " + text
		}
		if l.Stream == "stderr" {
			text = "[stderr] " + text
		}
		fmt.Fprintln(s.Out, text)
	}
	err = readLogs(ctx, target, *lines, *follow, printLine)
	var rpcErr *childrpc.Error
	if errors.As(err, &rpcErr) {
		return sendError(childrpc.MethodLogs, 0, err, s)
	}
	return err
}

// readLogs asks the devrun called name for its last n lines of output (and, with follow,
// every later one until it stops or ctx ends), handing each to each, in order.
func readLogs(ctx context.Context, name string, n int, follow bool, each func(childrpc.LogLine)) error {
	// The lines come as devrun.log notifications, which a Conn runs in order; the answer
	// to devrun.logs says how many of them are the backlog.
	followed := make(chan childrpc.LogLine, 256)
	handlers := map[string]childrpc.HandlerFunc{
		childrpc.MethodLog: func(ctx context.Context, params json.RawMessage) (any, error) {
			var l childrpc.LogLine
			if err := json.Unmarshal(params, &l); err == nil {
				select {
				case followed <- l:
				case <-ctx.Done():
				}
			}
			return nil, nil
		},
	}
	conn, err := dial(ctx, name, handlers)
	if err != nil {
		return err
	}
	defer conn.Close()
	answer := make(chan error, 1)
	var res childrpc.LogsResult
	go func() {
		answer <- conn.Call(ctx, childrpc.MethodLogs, childrpc.LogsParams{Lines: &n, Follow: follow}, &res)
	}()
	printed, want := 0, -1
	for !(printed == want && !follow) {
		select {
		case l := <-followed:
			each(l)
			printed++
		case err := <-answer:
			if err != nil {
				return err
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

// processInfo finds the process a send goes to, as devrun.info describes it.
func processInfo(ctx context.Context, name, process string) (childrpc.ProcessInfo, bool) {
	list, err := childrpc.Instances(ctx)
	if err != nil {
		return childrpc.ProcessInfo{}, false
	}
	for _, in := range list {
		if name != "" && in.Name != name || name == "" && len(list) > 1 {
			continue
		}
		for _, p := range in.Processes {
			if process == "" || p.Name == process {
				return p, true
			}
		}
	}
	return childrpc.ProcessInfo{}, false
}

// knownMethods says what the program can be sent instead, with the nearest to a typo first.
func knownMethods(ctx context.Context, name, process, method string) string {
	p, ok := processInfo(ctx, name, process)
	switch {
	case !ok:
		return "could not ask devrun for the program's methods"
	case len(p.Methods) == 0:
		return "the program announced no methods: " + noChannelHint
	}
	hint := ""
	if c, ok := config.Closest(method, p.Methods); ok {
		hint = fmt.Sprintf("did you mean %q? ", c)
	}
	return hint + "the program's methods: " + strings.Join(p.Methods, ", ")
}

// noChannelHint is said when a program never said hello on the devrun channel.
const noChannelHint = "it may not use the devrun channel (see the README, \"Talking to your program\")"

// sendHintAfter is how long a send waits before saying why it may never be answered.
const sendHintAfter = time.Second

// hintIfSilent prints one line if no answer has come after sendHintAfter and the program never
// announced any methods. The returned func stops it.
func hintIfSilent(ctx context.Context, name, process string, s IO) (stop func()) {
	t := time.AfterFunc(sendHintAfter, func() {
		if p, ok := processInfo(ctx, name, process); ok && len(p.Methods) == 0 {
			fmt.Fprintln(s.Err, "devrun: still waiting; the program announced no methods: "+noChannelHint)
		}
	})
	return func() { t.Stop() }
}
