package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	runners   []*runner.Runner
	dependsOn []string
	listen    []string
	clear     bool
	con       *console
	cwd       string
	events    *eventLog

	nextCall atomic.Uint32 // round robin over instances for devrun.call

	readyTimeout time.Duration
	readyOnce    sync.Once
	ready        chan struct{} // closed when the first instance says it is ready
}

// start runs p's instances once the processes it depends on are ready. It returns at once: the
// wait is p's alone, so that a process listed after p but not depending on anything starts now.
func (p *process) start(ctx context.Context, wg *sync.WaitGroup, ss *session) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, dep := range p.dependsOn {
			if d := ss.process(dep); d != nil && !d.waitReady(ctx, p) {
				return
			}
		}
		for _, r := range p.runners {
			wg.Add(1)
			go func(r *runner.Runner) {
				defer wg.Done()
				if err := r.Run(ctx); err != nil {
					p.con.printf(levelError, p.about, "%v", err)
				}
			}(r)
		}
		if p.watcher != nil {
			go func() {
				for b := range p.watcher.Batches() {
					p.changed(b)
				}
			}()
		}
	}()
}

func (p *process) changed(b watcher.Batch) {
	reason := describeBatch(b.Paths, p.cwd)
	if b.Rescan {
		reason += " (found by a rescan)"
	}
	if p.clear {
		p.con.clearScreen()
	}
	p.events.change(p, b.Paths)
	p.con.printf(levelInfo, p.about, "restarting: %s", reason)
	for _, path := range b.Paths {
		p.con.printf(levelDetail, p.about, "changed: %s", relPath(path, p.cwd))
	}
	for _, r := range p.runners {
		r.Restart(reason)
	}
}

func (p *process) restart(reason string) {
	p.con.printf(levelInfo, p.about, "restarting: %s", reason)
	for _, r := range p.runners {
		r.Restart(reason)
	}
}

// waitReady holds back a dependant until p is ready, or until p's ready timeout, after which
// the dependant starts anyway (a program that never says "ready" must not block the others).
func (p *process) waitReady(ctx context.Context, dependant *process) bool {
	timer := time.NewTimer(p.readyTimeout)
	defer timer.Stop()
	select {
	case <-p.ready:
		return true
	case <-timer.C:
		p.con.printf(levelWarn, dependant.about, "%s did not say it is ready within %s; starting anyway", p.name, p.readyTimeout)
		return true
	case <-ctx.Done():
		return false
	}
}

// onEvent prints a runner's lifecycle event.
func (p *process) onEvent(instance int, e runner.Event) {
	about := p.about
	if len(p.runners) > 1 {
		about = fmt.Sprintf("%s.%d", p.name, instance)
	}
	switch e.Kind {
	case runner.Ready:
		p.readyOnce.Do(func() { close(p.ready) })
	case runner.Starting, runner.StartFailed:
		if p.target.Kind == target.Go && len(e.Command) > 0 {
			// The built binary's cache path says nothing to the user; the package does.
			e.Command = append([]string{p.name}, e.Command[1:]...)
		}
	}
	p.events.fromRunner(p, instance, e)
	p.con.printf(eventLevel(e), about, "%s", e.String())
	if e.Kind == runner.Exited && e.Reason != "stopped" && e.ExitCode != 0 && len(p.listen) > 0 && e.Duration < 2*time.Second {
		p.con.printf(levelWarn, about, "%s", listenHint)
	}
}

// listenHint explains the usual cause of a quick crash under --listen: the program binds the
// port itself ("address already in use") instead of taking the socket devrun holds.
const listenHint = `it exited soon after start while devrun holds its --listen socket: if it said "address already in use", ` +
	`it binds the port itself and must be changed so that it takes the inherited socket instead. ` +
	`Go: ln, err := childrpc.Listener(":8080"); Node: server.listen(process.env.LISTEN_FDS ? {fd: 3} : 8080)`

// eventLevel decides which events a user sees by default: what changed, what runs, what went
// wrong. Pids, signals sent and the child's methods are for -v.
func eventLevel(e runner.Event) level {
	switch e.Kind {
	case runner.BuildFailed, runner.StartFailed:
		return levelError
	case runner.Backoff, runner.GaveUp, runner.NotReady, runner.GraceOver, runner.Warning, runner.ChannelError:
		return levelWarn
	case runner.BuildOK:
		return levelGood
	case runner.Exited:
		if e.Reason == "stopped" {
			return levelDetail // the exit devrun asked for is no news
		}
	case runner.Started, runner.Stopping, runner.Hello, runner.ChildEvent, runner.Ready, runner.BuildStart:
		return levelDetail
	}
	return levelInfo
}

// describeBatch says which file changed, and how many more: "main.go changed (and 2 more)".
func describeBatch(paths []string, cwd string) string {
	if len(paths) == 0 {
		return "files changed"
	}
	sorted := append([]string(nil), paths...)
	sort.Strings(sorted)
	s := relPath(sorted[0], cwd) + " changed"
	if len(sorted) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(sorted)-1)
	}
	return s
}

func relPath(path, cwd string) string {
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
