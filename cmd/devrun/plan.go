package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
	"github.com/devrun-dev/devrun/internal/target"
	"github.com/devrun-dev/devrun/runner"
	sess "github.com/devrun-dev/devrun/session"
	"github.com/devrun-dev/devrun/watcher"
)

// loadConfig reads --config, or devrun.toml in the current folder if there is one.
func loadConfig(o *options, cwd string) (*config.Config, error) {
	path := o.Config
	if path == "" {
		found, ok := config.Find(cwd)
		if !ok {
			return nil, nil
		}
		path = found
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, inputError{err}
	}
	return cfg, nil
}

func newSession(o *options, s stdio) (*session, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cfg, err := loadConfig(o, cwd)
	if err != nil {
		return nil, err
	}
	flags := &o.flags.Settings
	// The file's top level (or what nodemon's or air's files say), then the flags typed.
	top := config.Defaults()
	var inferred *config.Inferred
	switch {
	case cfg != nil:
		top = cfg.Settings.Clone()
	case o.Target == "" && !flags.IsSet("exec"):
		if inferred, err = config.Infer(); errors.Is(err, config.ErrNothingToInfer) {
			return nil, usageError{fmt.Errorf("no TARGET given and nothing to infer here (no devrun.toml, package.json, nodemon.json, .air.toml or Go main package): say what to run, e.g. devrun ./cmd/server or devrun -- node app.js")}
		} else if err != nil {
			return nil, inputError{err}
		}
		top.Override(&inferred.Settings)
		o.Target, o.Args = inferred.Settings.Run, inferred.Settings.Args
	}
	top.Override(flags)
	con := newConsole(s.err, top.NoColor, top.Quiet, top.Verbose)

	var all []config.Process
	var stdinTo string
	switch {
	case o.Target != "" || top.IsSet("exec"):
		p := top.Process
		if o.Target != "" {
			p.Run, p.Args = o.Target, o.Args
			if !flags.IsSet("dir") {
				p.Dir = "" // a TARGET typed here is relative to here, not to the file
			}
		}
		all = []config.Process{p}
	case cfg != nil && len(cfg.Processes) > 0:
		stdinTo = cfg.Processes[0].Name // typed lines go to the first process of the file
		order, err := config.Order(cfg.Processes)
		if err != nil {
			return nil, inputError{err}
		}
		for _, name := range order {
			for _, p := range cfg.Processes {
				if p.Name == name {
					st := config.Settings{Process: p}
					st.Override(flags)
					all = append(all, st.Process)
				}
			}
		}
	case cfg != nil:
		return nil, usageError{fmt.Errorf("%s has nothing to run: add run = \"./cmd/app\" or [process.NAME] tables, or give a TARGET", cfg.Path)}
	}
	if len(all) > 1 && flags.IsSet("listen") {
		return nil, usageError{fmt.Errorf("--listen with several processes: put listen = [...] in the [process.NAME] table that should hold the socket")}
	}

	ss := &session{con: con, dir: cwd, logs: sess.NewLogs(sess.DefaultLogLines), started: time.Now()}
	con.tee = func(line string) { ss.logs.Add("devrun", line) }
	if inferred != nil { // said once devrun logs keeps devrun's lines
		con.printf(levelInfo, "", "no TARGET: from %s, running as: %s", inferred.From, shellQuote(inferred.Command))
		if len(inferred.Unknown) > 0 {
			con.printf(levelWarn, "", "%s: not understood, left out: %s", inferred.From, strings.Join(inferred.Unknown, ", "))
		}
	}
	ss.events = sess.NewEventLog(func() string { return ss.name }, ss.logs)
	ss.name = top.Name
	if ss.name == "" {
		ss.name = config.NameFrom(filepath.Base(cwd))
	}
	if len(all) == 1 {
		ss.command = append([]string{all[0].Run}, all[0].Args...)
	} else {
		ss.command = []string{"devrun", "--config", cfg.Path}
		for _, st := range all {
			width := len(st.Name)
			if st.Scale > 1 {
				width += 1 + len(fmt.Sprint(st.Scale-1))
			}
			con.labelWidth = max(con.labelWidth, width)
		}
	}
	stdinReader, stdinWriter := io.Pipe()
	ss.stdin = stdinWriter
	for i, st := range all {
		about := ""
		if len(all) > 1 {
			about = st.Name
		}
		var in io.Reader
		if (stdinTo == "" && i == 0) || (stdinTo != "" && st.Name == stdinTo) {
			in = stdinReader
		}
		p, err := ss.newProcess(st, top.Clear, about, cwd, in, s)
		if p != nil {
			ss.procs = append(ss.procs, p)
			g := &sess.Group{Name: p.name, Listen: p.listen, Restart: p.restart}
			for _, r := range p.runners {
				g.Instances = append(g.Instances, r)
			}
			ss.calls.Groups = append(ss.calls.Groups, g)
		}
		if err != nil {
			ss.cleanup()
			if len(all) > 1 {
				return nil, fmt.Errorf("process %s: %w", st.Name, err)
			}
			return nil, err
		}
	}
	return ss, nil
}

// newProcess detects the target, opens its sockets and watcher and makes its runners.
func (ss *session) newProcess(st config.Process, clear bool, about, cwd string, stdin io.Reader, s stdio) (*process, error) {
	t, err := target.Detect(st.Run, st.Args, target.Options{Exec: st.Exec, Build: st.Build, BuildFlags: st.BuildFlags, Dir: st.Dir,
		Debug: st.Debug, NoTemplates: st.NoTemplates})
	if err != nil {
		return nil, inputError{err}
	}
	if t.Debug != "" {
		ss.con.printf(levelInfo, about, "%s", t.Debug) // once: the address does not change
	}
	p := &process{name: st.Name, about: about, target: t, con: ss.con, cwd: cwd, clear: clear, dependsOn: st.DependsOn, rules: st.Rules(),
		events: ss.events}
	if p.name == "" {
		p.name = t.Name
	}
	p.readiness = sess.NewReadiness(p.name, st.ReadyTimeout)

	// The schema checked both values; what is left is this system's view of them.
	sig, err := config.Signal(st.Signal)
	if err != nil {
		return p, badInput("signal: %v", err)
	}
	policy, err := runner.ParsePolicy(st.Restart)
	if err != nil {
		return p, badInput("restart: %v", err)
	}
	env, err := st.Environment()
	if err != nil {
		return p, inputError{err}
	}
	sockets, err := openSockets(st.Listen)
	if err != nil {
		return p, inputError{err}
	}
	ss.sockets = append(ss.sockets, sockets...)
	var files []*os.File
	var names []string
	for _, sock := range sockets {
		files = append(files, sock.File)
		names = append(names, sock.Name)
		p.listen = append(p.listen, sock.Name+"="+sock.Addr)
	}

	if p.browser, err = ss.newBrowserHook(p, st, sockets); err != nil {
		return p, err
	}

	p.watchOpts = watchOptions(st, t, ss.con)
	if t.GoWatch != nil && addsOnly(st, "watch") && addsOnly(st, "ext") {
		// The build's inputs decide (goWatch.go); the watcher reports every file under the roots,
		// and what -w +DIR and -e +EXT add counts too.
		p.goWatch, p.env = newGoWatchState(t.GoWatch), env
		p.goWatch.extraExts, _ = config.SplitAdding(st.Ext)
		p.goWatch.extraRoots, _ = config.SplitAdding(st.Watch)
		p.watchOpts.Exts = nil
	}
	p.watcher, err = watcher.New(p.watchOpts)
	if err != nil {
		return p, watchErr(err)
	}

	scale := max(st.Scale, 1)
	for i := 0; i < scale; i++ {
		instance := i
		cfg := runner.Config{
			Name: p.name, Command: t.Command, Dir: t.Dir, Env: env,
			Build: t.Build, BuildDir: t.BuildDir, BuildOutput: t.Output, Signal: sig, Grace: st.Grace, Restart: policy, Node: t.Node,
			Listeners: files, ListenerNames: names, Overlap: st.Overlap, ReadyTimeout: st.ReadyTimeout,
			Instance: instance,
			OnEvent:  func(e runner.Event) { p.onEvent(instance, e) },
			Handlers: map[string]childrpc.HandlerFunc{childrpc.MethodCall: ss.handleCall},
		}
		cfg.Stdout, cfg.Stderr = ss.outputs(p, instance, scale, s)
		if i == 0 {
			cfg.Stdin = stdin
		}
		r, err := runner.New(cfg)
		if err != nil {
			return p, inputError{err}
		}
		p.runners = append(p.runners, r)
	}
	return p, nil
}

// watchOptions merges the target's defaults (Go mode watches the module's .go files) with what
// the user said: -w and -e replace the defaults, or add to them when written +DIR or +EXT; -i
// adds.
func watchOptions(st config.Process, t *target.Target, con *console) watcher.Options {
	w := watcher.Options{
		Roots: t.WatchRoots, Exts: t.Exts, Files: t.Files,
		Ignore:      append(append([]string(nil), t.Ignore...), st.Ignore...),
		Delay:       defaultDelay,
		Poll:        st.Poll,
		NoGitignore: st.NoGitignore, FollowSymlinks: st.FollowSymlinks,
		Warnf: func(format string, args ...any) { con.printf(levelWarn, "", format, args...) },
	}
	if len(w.Roots) == 0 {
		w.Roots = []string{"."}
	}
	var namedExts, namedRoots []string
	if st.IsSet("watch") {
		w.Roots = replaceOrAdd(w.Roots, st.Watch)
		namedRoots, _ = config.SplitAdding(st.Watch)
	}
	if st.IsSet("ext") {
		w.Exts = replaceOrAdd(w.Exts, st.Ext) // -e '' means every file
		namedExts, _ = config.SplitAdding(st.Ext)
	}
	// A rule's files count whatever their extension.
	for _, r := range st.Rules() {
		for _, g := range r.Files {
			if !strings.Contains(g, "/") {
				g = "**/" + g
			}
			w.Files = append(w.Files, g)
		}
	}
	// What the user named beats a built-in ignore; their own -i still applies.
	w.Ignore = append(t.IgnoreUnlessNamed(namedExts, namedRoots), st.Ignore...)
	switch {
	case st.IsSet("delay"):
		w.Delay = st.Delay
	case t.Build != nil:
		// A save during a build cancels it, so a burst of saves still ends in one finished
		// build: the quiet time only has to cover one save's own events.
		w.Delay = buildDelay
	}
	return w
}

// replaceOrAdd is given in place of defaults, or added to them when every item is +ITEM.
func replaceOrAdd(defaults, given []string) []string {
	items, replace := config.SplitAdding(given)
	if replace || len(items) == 0 {
		return items
	}
	return append(slices.Clone(defaults), items...)
}

// outputs decides where a child's stdout and stderr go. On a terminal they share one pty, so
// their order on the screen is the order of the program's writes, as in a plain terminal (and
// `devrun logs` can no longer tell them apart). Otherwise each goes through a pipe of its own.
// Either way devrun reads the output, keeps it for `devrun logs`, and prefixes each line when
// several processes share the screen.
func (ss *session) outputs(p *process, instance, scale int, s stdio) (stdout, stderr io.Writer) {
	label := p.name
	if p.about == "" && scale == 1 {
		label = "" // alone, its lines need no name
	}
	if scale > 1 {
		label = fmt.Sprintf("%s.%d", p.name, instance)
	}
	prefix := ""
	if p.about != "" || scale > 1 {
		prefix = ss.con.processPrefix(label)
	}
	// Both must be the terminal: whoever sends devrun's stderr elsewhere wants the program's
	// stderr there too.
	if isTerminal(s.out) && isTerminal(s.err) {
		tty, err := ss.terminalOutputs(s, label, prefix)
		if err == nil {
			return tty, tty
		}
		ss.con.printf(levelDetail, "", "%v: the program's stdout and stderr are pipes", err)
	}
	out, err := ss.pipeOutput(&childOutput{con: ss.con, dst: s.out, prefix: prefix, stream: "stdout", process: label, ring: ss.logs})
	if err != nil {
		return s.out, s.err
	}
	errOut, err := ss.pipeOutput(&childOutput{con: ss.con, dst: s.err, prefix: prefix, stream: "stderr", process: label, ring: ss.logs})
	if err != nil {
		return out, s.err
	}
	return out, errOut
}

// terminalOutputs gives a child one pty for stdout and stderr, in place of the terminal.
func (ss *session) terminalOutputs(s stdio, label, prefix string) (*os.File, error) {
	margin := 0
	if prefix != "" {
		margin = ss.con.labelWidth + len(" | ")
	}
	master, slave, err := openPty(s.out.(*os.File), margin)
	if err != nil {
		return nil, err
	}
	o := &childOutput{con: ss.con, dst: s.out, prefix: prefix, stream: "stdout", process: label, ring: ss.logs, shared: true}
	ss.ptys = append(ss.ptys, ptyOut{slave: slave, margin: margin})
	ss.addStream(newOutputStream(master, slave, o), o)
	return slave, nil
}

// pipeOutput is a pipe whose far end o gets; a devrun line about an exit waits for it too.
func (ss *session) pipeOutput(o *childOutput) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	o.shared = o.dst == ss.con.w || sameFile(o.dst, ss.con.w)
	ss.addStream(newOutputStream(r, w, o), o)
	return w, nil
}

func (ss *session) addStream(st *outputStream, o *childOutput) {
	ss.streams = append(ss.streams, st)
	ss.con.mu.Lock()
	ss.con.streams = append(ss.con.streams, st)
	ss.con.outputs = append(ss.con.outputs, o)
	ss.con.mu.Unlock()
}

// sameFile: a and b are one open file (devrun started with 2>&1, say).
func sameFile(a, b io.Writer) bool {
	fa, ok1 := a.(*os.File)
	fb, ok2 := b.(*os.File)
	if !ok1 || !ok2 {
		return false
	}
	sa, err1 := fa.Stat()
	sb, err2 := fb.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// shellQuote writes argv as a shell would read it back.
func shellQuote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// addsOnly reports whether the list setting key was not given, or only adds to the defaults
// (-e +tmpl): Go mode then keeps the build's inputs as its watch set.
func addsOnly(st config.Process, key string) bool {
	if !st.IsSet(key) {
		return true
	}
	var list []string
	switch key {
	case "watch":
		list = st.Watch
	case "ext":
		list = st.Ext
	}
	items, replace := config.SplitAdding(list)
	return !replace && len(items) > 0
}
