package session

import (
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
	"github.com/devrun-dev/devrun/watcher"
)

// Spec is what a Session runs, as config and the command line decided.
type Spec struct {
	Settings  config.Settings  // the top level: the run's name, clear
	Processes []config.Process // in start order (dependencies first)
	Dir       string           // the folder devrun runs in
	Command   []string         // the run's command, as devrun ls shows it
	// Stdin is what devrun reads for the programs: the process called StdinTo gets it, the
	// first one when StdinTo is "".
	Stdin   io.Reader
	StdinTo string
	Logs    *Logs // devrun's lines and the programs' output, for devrun logs
}

// New detects each process's target, opens its sockets, watcher and proxy, and makes its
// runners; Run starts them.
func New(spec Spec, rep Reporter) (*Session, error) {
	s := &Session{rep: rep, dir: spec.Dir, command: spec.Command, logs: spec.Logs, started: time.Now(), stopping: make(chan struct{})}
	s.events = NewEventLog(func() string { return s.name }, s.logs)
	s.name = spec.Settings.Name
	if s.name == "" {
		s.name = config.NameFrom(filepath.Base(spec.Dir))
	}
	ph := &portHolders{rep: rep}
	s.logs.Watch(ph.line)
	labelWidth := 0
	if len(spec.Processes) > 1 {
		for _, st := range spec.Processes {
			width := len(st.Name)
			if st.Scale > 1 {
				width += 1 + len(fmt.Sprint(st.Scale-1))
			}
			labelWidth = max(labelWidth, width)
		}
	}
	for i, st := range spec.Processes {
		about := ""
		if len(spec.Processes) > 1 {
			about = st.Name
		}
		var in io.Reader
		if (spec.StdinTo == "" && i == 0) || (spec.StdinTo != "" && st.Name == spec.StdinTo) {
			in = spec.Stdin
		}
		p, err := s.newProcess(st, spec.Settings.Clear, about, labelWidth, in)
		if p != nil {
			s.procs = append(s.procs, p)
			g := &Group{Name: p.name, Listen: p.listen, Restart: p.restart}
			for _, r := range p.runners {
				g.Instances = append(g.Instances, r)
			}
			s.calls.Groups = append(s.calls.Groups, g)
		}
		if err != nil {
			s.Close()
			if len(spec.Processes) > 1 {
				return nil, fmt.Errorf("process %s: %w", st.Name, err)
			}
			return nil, err
		}
	}
	return s, nil
}

// newProcess detects the target, opens its sockets and watcher and makes its runners.
func (s *Session) newProcess(st config.Process, clear bool, about string, labelWidth int, stdin io.Reader) (*process, error) {
	t, err := target.Detect(st.Run, st.Args, target.Options{Exec: st.Exec, Build: st.Build, BuildFlags: st.BuildFlags, Dir: st.Dir,
		Debug: st.Debug, NoTemplates: st.NoTemplates})
	if err != nil {
		return nil, InputError{err}
	}
	if t.Debug != "" {
		s.rep.Printf(LevelInfo, about, "%s", t.Debug) // once: the address does not change
	}
	p := &process{name: st.Name, about: about, target: t, rep: s.rep, cwd: s.dir, clear: clear, dependsOn: st.DependsOn, rules: st.Rules(),
		events: s.events, scale: max(st.Scale, 1)}
	if p.name == "" {
		p.name = t.Name
	}
	p.readiness = NewReadiness(p.name, st.ReadyTimeout)

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
		return p, InputError{err}
	}
	sockets, err := openSockets(st.Listen)
	if err != nil {
		return p, InputError{err}
	}
	s.sockets = append(s.sockets, sockets...)
	var files []*os.File
	var names []string
	for _, sock := range sockets {
		files = append(files, sock.File)
		names = append(names, sock.Name)
		p.listen = append(p.listen, sock.Name+"="+sock.Addr)
	}

	if p.browser, err = s.newBrowserHook(p, st, sockets); err != nil {
		return p, err
	}

	p.watchOpts = watchOptions(st, t, s.rep)
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

	for i := 0; i < p.scale; i++ {
		instance := i
		cfg := runner.Config{
			Name: p.name, Command: t.Command, Dir: t.Dir, Env: env,
			Build: t.Build, BuildDir: t.BuildDir, BuildOutput: t.Output, Signal: sig, Grace: st.Grace, Restart: policy, Node: t.Node,
			Listeners: files, ListenerNames: names, Overlap: st.Overlap, ReadyTimeout: st.ReadyTimeout,
			Instance: instance,
			OnEvent:  func(e runner.Event) { p.onEvent(instance, e) },
			Handlers: map[string]childrpc.HandlerFunc{childrpc.MethodCall: s.handleCall},
		}
		cfg.Stdout, cfg.Stderr = s.rep.Output(p.LogLabel(instance), labelWidth)
		if i == 0 {
			cfg.Stdin = stdin
		}
		r, err := runner.New(cfg)
		if err != nil {
			return p, InputError{err}
		}
		p.runners = append(p.runners, r)
	}
	return p, nil
}

const (
	defaultDelay = 22 * time.Millisecond
	buildDelay   = 10 * time.Millisecond // the default quiet time when a build step runs first
)

// watchOptions merges the target's defaults (Go mode watches the module's .go files) with what
// the user said: -w and -e replace the defaults, or add to them when written +DIR or +EXT; -i
// adds.
func watchOptions(st config.Process, t *target.Target, rep Reporter) watcher.Options {
	w := watcher.Options{
		Roots: t.WatchRoots, Exts: t.Exts, Files: t.Files,
		Ignore:      append(append([]string(nil), t.Ignore...), st.Ignore...),
		Delay:       defaultDelay,
		Poll:        st.Poll,
		NoGitignore: st.NoGitignore, FollowSymlinks: st.FollowSymlinks,
		Warnf: func(format string, args ...any) { rep.Printf(LevelWarn, "", format, args...) },
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
