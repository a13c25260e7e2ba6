package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
	"github.com/devrun-dev/devrun/internal/target"
	"github.com/devrun-dev/devrun/runner"
	"github.com/devrun-dev/devrun/watcher"
)

// settings is what one process needs, whether it came from the command line, from a
// devrun.toml table, or both (flags win over the file, the file over built-in defaults). Nil
// Watch and Ext mean "the target's default"; a negative Delay means the default quiet time.
type settings struct {
	Name           string
	Dir            string
	Target         string
	Args           []string
	Exec           string
	Build          string
	BuildFlags     []string
	Watch          []string
	Ext            []string
	Ignore         []string
	Delay          time.Duration
	Signal         string
	Grace          time.Duration
	Restart        string
	Env            []string
	EnvFile        string
	Listen         []string
	Overlap        bool
	ReadyTimeout   time.Duration
	Scale          int
	DependsOn      []string
	Poll           time.Duration
	NoGitignore    bool
	FollowSymlinks bool
	Clear          bool
	Debug          string // #15
	NoTemplates    bool
}

func defaultSettings() settings {
	return settings{Delay: -1, Signal: "SIGTERM", Grace: defaultGrace, Restart: "on-crash",
		ReadyTimeout: defaultReadyTimeout, Scale: 1}
}

// settingsFromFile is a devrun.toml process with the built-in defaults where it is silent.
func settingsFromFile(p config.Process) settings {
	s := defaultSettings()
	s.Name, s.Dir, s.Target, s.Args = p.Name, p.Dir, p.Run, p.Args
	s.Exec, s.Build, s.BuildFlags = p.Exec, p.Build, p.BuildFlags
	s.Ignore, s.Listen, s.Overlap = p.Ignore, p.Listen, p.Overlap
	s.Scale, s.DependsOn, s.Poll, s.NoGitignore = max(p.Scale, 1), p.DependsOn, p.Poll, p.NoGitignore
	if p.IsSet("watch") {
		s.Watch = p.Watch
	}
	if p.IsSet("ext") {
		s.Ext = append([]string{}, p.Ext...)
	}
	if p.IsSet("delay") {
		s.Delay = p.Delay
	}
	if p.IsSet("signal") {
		s.Signal = p.Signal
	}
	if p.IsSet("grace") {
		s.Grace = p.Grace
	}
	if p.IsSet("restart") {
		s.Restart = p.Restart
	}
	if p.IsSet("ready_timeout") {
		s.ReadyTimeout = p.ReadyTimeout
	}
	if p.Debug {
		s.Debug = "on"
	}
	s.NoTemplates = p.NoTemplates
	s.EnvFile = p.EnvFile
	keys := make([]string, 0, len(p.Env))
	for k := range p.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.Env = append(s.Env, k+"="+p.Env[k])
	}
	return s
}

// applyFlags lays the flags the user typed over s.
func applyFlags(s *settings, o *options) error {
	set := o.changed
	if o.Target != "" {
		s.Target, s.Args, s.Dir = o.Target, o.Args, ""
	}
	if set("exec") {
		s.Exec = o.Exec
	}
	if set("build") {
		s.Build = o.Build
	}
	if set("build-flags") {
		flags, err := target.SplitArgs(o.BuildFlags)
		if err != nil {
			return badInput("--build-flags: %v", err)
		}
		s.BuildFlags = flags
	}
	if set("watch") {
		s.Watch = o.Watch
	}
	if set("ext") {
		s.Ext = append([]string{}, normaliseExts(o.Ext)...) // -e '' means every file
	}
	s.Ignore = append(s.Ignore, o.Ignore...)
	if set("delay") {
		s.Delay = o.Delay
	}
	if set("signal") {
		s.Signal = o.Signal
	}
	if set("grace") {
		s.Grace = o.Grace
	}
	if set("restart") {
		s.Restart = o.Restart
	}
	if set("env-file") {
		s.EnvFile = o.EnvFile
	}
	s.Env = append(s.Env, o.Env...)
	if set("listen") {
		s.Listen = o.Listen
	}
	s.Overlap = s.Overlap || o.Overlap
	if set("ready-timeout") {
		s.ReadyTimeout = o.ReadyTimeout
	}
	if set("poll") {
		s.Poll = o.Poll
	}
	s.NoGitignore = s.NoGitignore || o.NoGitignore
	s.FollowSymlinks = s.FollowSymlinks || o.FollowSymlinks
	s.Clear = s.Clear || o.Clear
	if set("debug") {
		s.Debug = o.Debug
	}
	s.NoTemplates = s.NoTemplates || o.NoTemplates
	return nil
}

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

func newSession(o *options, con *console, s stdio) (*session, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cfg, err := loadConfig(o, cwd)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		// The file's console settings, unless a flag said otherwise.
		if !o.changed("no-color") && cfg.NoColor || !o.changed("quiet") && cfg.Quiet || !o.changed("verbose") && cfg.Verbose {
			con = newConsole(s.err, o.NoColor || cfg.NoColor, o.Quiet || cfg.Quiet, o.Verbose || cfg.Verbose)
		}
		o.Clear = o.Clear || cfg.Clear
	}

	var all []settings
	var stdinTo string
	switch {
	case o.Target != "" || o.Exec != "":
		st := defaultSettings()
		if cfg != nil {
			st = settingsFromFile(cfg.Defaults)
		}
		all = []settings{st}
	case cfg != nil && len(cfg.Processes) > 0:
		stdinTo = cfg.Processes[0].Name // typed lines go to the first process of the file
		order, err := config.Order(cfg.Processes)
		if err != nil {
			return nil, inputError{err}
		}
		for _, name := range order {
			for _, p := range cfg.Processes {
				if p.Name == name {
					all = append(all, settingsFromFile(p))
				}
			}
		}
	case cfg != nil:
		return nil, usageError{fmt.Errorf("%s has nothing to run: add run = \"./cmd/app\" or [process.NAME] tables, or give a TARGET", cfg.Path)}
	default:
		return nil, usageError{fmt.Errorf("no TARGET given: say what to run, e.g. devrun ./cmd/server or devrun -- node app.js")}
	}
	if len(all) > 1 && o.changed("listen") {
		return nil, usageError{fmt.Errorf("--listen with several processes: put listen = [...] in the [process.NAME] table that should hold the socket")}
	}
	for i := range all {
		if err := applyFlags(&all[i], o); err != nil {
			return nil, err
		}
	}

	ss := &session{con: con, dir: cwd, logs: newLogRing(defaultLogLines), started: time.Now()}
	con.tee = func(line string) { ss.logs.add("devrun", line) }
	ss.name = o.Name
	if ss.name == "" && cfg != nil && cfg.Name != "" {
		ss.name = cfg.Name
	}
	if ss.name == "" {
		ss.name = filepath.Base(cwd)
	}
	if len(all) == 1 {
		ss.command = append([]string{all[0].Target}, all[0].Args...)
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
		p, err := ss.newProcess(st, about, cwd, in, s)
		if p != nil {
			ss.procs = append(ss.procs, p)
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
func (ss *session) newProcess(st settings, about, cwd string, stdin io.Reader, s stdio) (*process, error) {
	t, err := target.Detect(st.Target, st.Args, target.Options{Exec: st.Exec, Build: st.Build, BuildFlags: st.BuildFlags, Dir: st.Dir,
		Debug: st.Debug, NoTemplates: st.NoTemplates})
	if err != nil {
		return nil, inputError{err}
	}
	if t.Debug != "" {
		ss.con.printf(levelInfo, about, "%s", t.Debug) // once: the address does not change
	}
	p := &process{name: st.Name, about: about, target: t, con: ss.con, cwd: cwd, clear: st.Clear, dependsOn: st.DependsOn,
		readyTimeout: st.ReadyTimeout, ready: make(chan struct{})}
	if p.name == "" {
		p.name = t.Name
	}

	sig, err := parseSignal(st.Signal)
	if err != nil {
		return p, badInput("--signal: %v", err)
	}
	policy, err := runner.ParsePolicy(st.Restart)
	if err != nil {
		return p, badInput("--restart: %v", err)
	}
	env, err := processEnv(st)
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

	p.watchOpts = watchOptions(st, t, ss.con)
	if t.GoWatch != nil && st.Watch == nil && st.Ext == nil {
		// The build's inputs decide (goWatch.go); the watcher reports every file under the roots.
		p.goWatch, p.env = newGoWatchState(t.GoWatch), env
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
			Handlers: map[string]childrpc.HandlerFunc{"devrun.call": ss.handleCall},
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
// the user said; the user's -w and -e replace the defaults, -i adds to them.
func watchOptions(st settings, t *target.Target, con *console) watcher.Options {
	w := watcher.Options{
		Roots: t.WatchRoots, Exts: t.Exts, Files: t.Files,
		Ignore:      append(append([]string(nil), t.Ignore...), st.Ignore...),
		Delay:       defaultDelay,
		Poll:        st.Poll,
		NoGitignore: st.NoGitignore, FollowSymlinks: st.FollowSymlinks,
		Warnf: func(format string, args ...any) { con.printf(levelWarn, "", format, args...) },
	}
	if st.Watch != nil {
		w.Roots = st.Watch
	}
	if len(w.Roots) == 0 {
		w.Roots = []string{"."}
	}
	if st.Ext != nil {
		w.Exts = st.Ext
	}
	switch {
	case st.Delay >= 0:
		w.Delay = st.Delay
	case t.Build != nil:
		// A save during a build cancels it, so a burst of saves still ends in one finished
		// build: the quiet time only has to cover one save's own events.
		w.Delay = buildDelay
	}
	return w
}

// processEnv is --env-file then --env (later wins), checked for KEY=VALUE form.
func processEnv(st settings) ([]string, error) {
	var env []string
	if st.EnvFile != "" {
		fromFile, err := readEnvFile(st.EnvFile)
		if err != nil {
			return nil, err
		}
		env = append(env, fromFile...)
	}
	for _, kv := range st.Env {
		checked, err := parseEnvAssignment(kv)
		if err != nil {
			return nil, fmt.Errorf("--env: %v", err)
		}
		env = append(env, checked)
	}
	return env, nil
}

// outputs decides where a child's stdout and stderr go. A lone process on a terminal writes to
// the terminal itself, so it sees a terminal (colours, line buffering); otherwise devrun reads
// the output, keeps it for `devrun logs`, and prefixes each line when several processes share
// the screen.
func (ss *session) outputs(p *process, instance, scale int, s stdio) (stdout, stderr io.Writer) {
	if p.about == "" && scale == 1 && isTerminal(s.out) && isTerminal(s.err) {
		out, errOut, err := ss.terminalOutputs(s)
		if err != nil {
			ss.con.printf(levelDetail, "", "%v: the program writes to the terminal directly; devrun logs will not show its output", err)
			return s.out, s.err
		}
		return out, errOut
	}
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
	out := &childOutput{dst: s.out, prefix: prefix, stream: "stdout", process: label, ring: ss.logs}
	errOut := &childOutput{dst: s.err, prefix: prefix, stream: "stderr", process: label, ring: ss.logs}
	return out, errOut
}

// terminalOutputs gives a lone child a pty for each stream in place of the terminal.
func (ss *session) terminalOutputs(s stdio) (stdout, stderr *os.File, err error) {
	var files [2]*os.File
	for i, dst := range []io.Writer{s.out, s.err} {
		tp, err := openTerminalPipe(dst.(*os.File))
		if err != nil {
			return nil, nil, err
		}
		ss.ptys = append(ss.ptys, tp)
		w := &childOutput{dst: dst, stream: [2]string{"stdout", "stderr"}[i], ring: ss.logs}
		ss.copies.Add(1)
		go func() {
			defer ss.copies.Done()
			io.Copy(w, tp.master)
			tp.master.Close()
		}()
		files[i] = tp.slave
	}
	return files[0], files[1], nil
}
