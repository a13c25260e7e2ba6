package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/devrun-dev/devrun/internal/config"
	"github.com/devrun-dev/devrun/internal/target"
	"github.com/devrun-dev/devrun/runner"
	"github.com/devrun-dev/devrun/watcher"
)

// process is one named program of a session: its target, the watcher of its files and one
// runner per instance (scale).
type process struct {
	name      string
	about     string // how devrun's lines name it: "" when it runs alone
	target    *target.Target
	watchOpts watcher.Options
	watcher   *watcher.Watcher
	scale     int // instances
	runners   []*runner.Runner
	dependsOn []string
	rules     []config.Rule // what changes do instead of a restart
	announced announcedWatch
	ctx       context.Context // the session's, for what a change starts
	listen    []string
	clear     bool
	rep       Reporter
	cwd       string
	browser   *browserHook // the reload proxy (--browser), or nil
	events    *EventLog

	goWatch *goWatchState // Go mode without -w/-e: which changes matter (gowatch.go)
	env     []string

	readiness *Readiness // for the processes that depend on this one

	listenHinted sync.Once // the hint is long: once is enough

	retrying sync.Map // instance -> true: its next start follows a crash, and its line said so
}

// start runs p's instances once the processes it depends on are ready. It returns at once: the
// wait is p's alone, so that a process listed after p but not depending on anything starts now.
func (p *process) start(ctx context.Context, wg *sync.WaitGroup, s *Session) {
	p.ctx = ctx
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.sayWatching(s.procs[0] == p)
		var deps []*Readiness
		for _, dep := range p.dependsOn {
			if d := s.process(dep); d != nil {
				deps = append(deps, d.readiness)
			}
		}
		if !WaitFor(ctx, deps, func(d *Readiness) {
			p.rep.Printf(LevelWarn, p.about, "%s did not say it is ready within %s; starting anyway", d.Name, d.Timeout)
		}) {
			return
		}
		for _, r := range p.runners {
			wg.Add(1)
			go func(r *runner.Runner) {
				defer wg.Done()
				if err := r.Run(ctx); err != nil {
					p.rep.Printf(LevelError, p.about, "%v", err)
				}
			}(r)
		}
		if p.watcher != nil {
			go func() {
				for b := range p.watcher.Batches() {
					p.changed(ctx, b)
				}
			}()
		}
	}()
}

// sayWatching is the start-up line: what devrun watches for p, and how to restart by hand.
func (p *process) sayWatching(first bool) {
	if p.watcher == nil {
		return
	}
	var roots []string
	for _, r := range p.watchOpts.Roots {
		abs, err := filepath.Abs(r)
		if err != nil {
			abs = r
		}
		roots = append(roots, relPath(abs, p.cwd))
	}
	st := p.watcher.Stats()
	folders := st.FoldersWatched + st.FoldersPolled
	exts := "every file"
	switch {
	case p.goWatch != nil:
		exts = "what go build compiles, and templates"
	case len(p.watchOpts.Exts) > 0:
		exts = "." + strings.Join(p.watchOpts.Exts, " .")
		if n := len(p.watchOpts.Files); n > 0 && n <= 3 {
			exts += " " + strings.Join(p.watchOpts.Files, " ")
		} else if n > 3 {
			exts += fmt.Sprintf(" and %d more patterns", n)
		}
	}
	line := fmt.Sprintf("watching %s (%s, %s): %s", strings.Join(roots, ", "),
		plural(folders, "folder"), plural(st.FilesSeen, "file"), exts)
	if first {
		line += "; rs + Enter restarts"
	}
	p.rep.Printf(LevelInfo, p.about, "%s", line)
	for _, r := range p.watchOpts.Roots {
		abs, _ := filepath.Abs(r)
		p.rep.Printf(LevelDetail, p.about, "watch root: %s", abs)
	}
	if len(p.watchOpts.Files) > 3 {
		p.rep.Printf(LevelDetail, p.about, "whatever their extension: %s", strings.Join(p.watchOpts.Files, " "))
	}
	ignores := "the defaults (.git, node_modules, editor files, …) and .gitignore"
	if p.watchOpts.NoGitignore {
		ignores = "the defaults (.git, node_modules, editor files, …)"
	}
	own := slices.DeleteFunc(slices.Clone(p.watchOpts.Ignore), target.IsRuntimeData)
	if len(own) < len(p.watchOpts.Ignore) {
		ignores = "a running program's data (*.db, *.sqlite*, *.log, build/, dist/, …), " + ignores
	}
	if len(own) > 0 {
		ignores = strings.Join(own, " ") + ", " + ignores
	}
	p.rep.Printf(LevelDetail, p.about, "ignoring: %s", ignores)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// changed does what a batch of changes asks: hand files to the program's handlers, run a
// rule's command, send a signal, or restart (once for the batch).
func (p *process) changed(ctx context.Context, b watcher.Batch) {
	// Files a rule takes count whatever Go mode says of them; of the others, Go mode keeps
	// the build's inputs (and templates).
	rules := p.rules
	if len(p.runners) > 0 {
		rules = append(slices.Clip(rules), Announced(p.runners[0].Status().Reloads)...)
	}
	onlyInputs := false
	if p.goWatch != nil {
		var taken, rest []string
		for _, path := range b.Paths {
			if Takes(rules, p.target.Dir, path) {
				taken = append(taken, path)
			} else {
				rest = append(rest, path)
			}
		}
		rest, onlyInputs = p.goWatch.filter(p, rest)
		onlyInputs = onlyInputs && len(taken) == 0
		if b.Paths = append(taken, rest...); len(b.Paths) == 0 {
			return
		}
	}
	if p.browser != nil {
		p.browser.proxy.Changed(b.Paths)
	}
	reason := describeBatch(b.Paths, p.cwd)
	if b.Rescan {
		reason += " (found by a rescan)"
	}
	rel := make([]string, len(b.Paths))
	for i, path := range b.Paths {
		rel[i] = relPath(path, p.cwd)
	}
	p.events.Change(p, rel, reason)
	for _, path := range b.Paths {
		p.rep.Printf(LevelDetail, p.about, "changed: %s", relPath(path, p.cwd))
	}
	plan := PlanChanges(rules, p.target.Dir, b.Paths)
	plan.OnlyInputs = onlyInputs
	instances := make([]Instance, len(p.runners))
	for i, r := range p.runners {
		instances[i] = r
	}
	Apply(ctx, plan, instances, p.target.Dir, reason, func(o Outcome) {
		switch o.Kind {
		case Restarted:
			if p.clear {
				p.rep.ClearScreen()
			}
			p.rep.Printf(LevelInfo, p.about, "%s: %s", p.restartWord(), reason)
		case Fallback:
			p.rep.Printf(LevelWarn, p.about, "%s", o.Describe())
		case Ran:
			if o.Why != "" {
				p.rep.Printf(LevelWarn, p.about, "%s\n%s", o.Describe(), strings.TrimRight(o.Output, "\n"))
				return
			}
			p.rep.Printf(LevelInfo, p.about, "%s", o.Describe())
		case Reloaded:
			p.rep.Printf(LevelInfo, p.about, "%s", o.Describe())
			p.events.Reloaded(p, o.Rule.Send, o.Files, o.Took)
			if p.browser != nil {
				p.browser.proxy.Reload(o.Describe())
			}
		default:
			p.rep.Printf(LevelInfo, p.about, "%s", o.Describe())
		}
	})
}

func (p *process) restart(reason string) {
	if p.browser != nil {
		p.browser.proxy.Changed(nil)
	}
	p.rep.Printf(LevelInfo, p.about, "%s: %s", p.restartWord(), reason)
	for _, r := range p.runners {
		r.Restart(reason)
	}
}

// restartWord says what a change is about to do, and nothing it may not do: a build comes
// first and may fail, and with nothing running nothing restarts.
func (p *process) restartWord() string {
	if p.target.Build != nil {
		return "rebuilding"
	}
	for _, r := range p.runners {
		if r.Status().PID != 0 {
			return "restarting"
		}
	}
	return "starting"
}

// onEvent reports a runner's lifecycle event.
func (p *process) onEvent(instance int, e runner.Event) {
	about := p.about
	if p.scale > 1 {
		about = fmt.Sprintf("%s.%d", p.name, instance)
	}
	switch e.Kind {
	case runner.Hello:
		p.announced.add(p, e.Reloads)
		for _, r := range p.rules {
			if r.Send != "" && !slices.Contains(e.Methods, r.Send) {
				p.rep.Printf(LevelWarn, about, "a rule sends %s changes to %s, which the program does not handle: they will restart it", strings.Join(r.Files, ", "), r.Send)
			}
		}
	case runner.Ready:
		p.readiness.Ready()
	case runner.Starting, runner.StartFailed:
		if p.target.Kind == target.Go && len(e.Command) > 0 && e.Command[0] == p.target.Output {
			// The built binary's cache path says nothing to the user; the package does.
			e.Command = append([]string{p.name}, e.Command[1:]...)
		}
	case runner.BuildStart:
		p.rep.BuildStarted(about, p.built())
	case runner.BuildOK, runner.BuildFailed, runner.BuildCancelled:
		p.rep.BuildEnded(about)
	}
	p.goWatch.onEvent(p, e)
	p.events.FromRunner(p, instance, e)
	line := e.String()
	if e.Kind == runner.GaveUp {
		line += " (or type rs)"
	}
	lv := eventLevel(e)
	switch e.Kind {
	case runner.Backoff:
		p.retrying.Store(instance, true)
	case runner.Starting:
		if again, _ := p.retrying.LoadAndDelete(instance); again == true {
			lv = LevelDetail // "restarting in 100ms" said it
		}
	}
	if endsOutput(e.Kind) {
		p.rep.PrintfAfterOutput(lv, about, "%s", line)
	} else {
		p.rep.Printf(lv, about, "%s", line)
	}
	if p.browser != nil && instance == 0 {
		p.browser.event(e)
	}
	quickCrash := e.Kind == runner.GaveUp || e.Kind == runner.Backoff && e.Reason == "right after start"
	if quickCrash && len(p.listen) > 0 {
		p.listenHinted.Do(func() { p.rep.PrintfAfterOutput(LevelWarn, about, "%s", listenHint) })
	}
}

// built is what p's build builds, as the user named it: ./cmd/server.
func (p *process) built() string {
	what := p.name
	if b := p.target.Build; p.target.Kind == target.Go && len(b) > 0 {
		if pkg := b[len(b)-1]; pkg != "." {
			what = pkg // as go build is given it
		}
	} else if len(b) == 3 && b[0] == "sh" && b[1] == "-c" {
		what = b[2]
	} else if len(b) > 0 {
		what = strings.Join(b, " ")
	}
	return what
}

// endsOutput: the event reports the end of something that wrote to the screen (a program, a
// build), so its line must come after all that it wrote.
func endsOutput(k runner.EventKind) bool {
	switch k {
	case runner.Exited, runner.Backoff, runner.GaveUp, runner.Waiting, runner.NotReady,
		runner.BuildOK, runner.BuildFailed, runner.StartFailed:
		return true
	}
	return false
}

// listenHint explains the usual cause of a quick crash under --listen: the program binds the
// port itself ("address already in use") instead of taking the socket devrun holds.
const listenHint = `it exited soon after start while devrun holds its --listen socket: if it said "address already in use", ` +
	`it binds the port itself and must be changed so that it takes the inherited socket (fd 3, LISTEN_FDS) instead. ` +
	`Go: ln, err := childrpc.Listener(":8080"); Node: server.listen(process.env.LISTEN_FDS ? {fd: 3} : 8080); ` +
	`Python: socket.socket(fileno=3), uvicorn --fd 3, or gunicorn (it honours LISTEN_FDS)`

// eventLevel decides which events a user sees by default: what changed, what runs, what went
// wrong. Pids, signals sent and the child's methods are for -v.
func eventLevel(e runner.Event) Level {
	switch e.Kind {
	case runner.BuildFailed, runner.StartFailed, runner.GaveUp:
		return LevelError
	case runner.Backoff:
		if e.ExitCode != 0 || e.Signal != "" {
			return LevelError // a crash: shown even with -q
		}
		return LevelInfo
	case runner.NotReady, runner.GraceOver, runner.Warning, runner.ChannelError:
		return LevelWarn
	case runner.BuildOK:
		return LevelGood
	case runner.Waiting:
		if e.ExitCode != 0 || e.Signal != "" {
			return LevelError
		}
	case runner.Started, runner.Stopping, runner.Hello, runner.ChildEvent, runner.Ready, runner.BuildStart,
		runner.Exited: // the line that follows an exit says what it was and what happens next
		return LevelDetail
	}
	return LevelInfo
}

// describeBatch says which file changed, and how many more: "main.go changed (and 2 more)".
// It names files that exist: a file that is gone already was most often an editor's or sed
// -i's temporary file, renamed over the real one, which is in the batch too. Only when every
// file is gone (deleted) are they named.
func describeBatch(paths []string, cwd string) string {
	if len(paths) == 0 {
		return "files changed"
	}
	var existing []string
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			existing = append(existing, p)
		}
	}
	if len(existing) == 0 {
		existing = append(existing, paths...)
	}
	sort.Strings(existing)
	s := relPath(existing[0], cwd) + " changed"
	if len(existing) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(existing)-1)
	}
	return s
}

func relPath(path, cwd string) string {
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// The event log's view of a process (Source).

func (p *process) EventName() string { return p.name }
func (p *process) Instances() int    { return len(p.runners) }
func (p *process) PID(i int) int     { return p.runners[i].Status().PID }
func (p *process) HoldsSockets() bool {
	return len(p.listen) > 0
}

// LogLabel is how the log and the screen mark the instance's lines: "" when it runs alone.
func (p *process) LogLabel(instance int) string {
	switch {
	case p.scale > 1:
		return fmt.Sprintf("%s.%d", p.name, instance)
	case p.about == "":
		return ""
	}
	return p.name
}
