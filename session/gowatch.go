package session

import (
	"context"
	"path/filepath"
	"strings"
	"sync"

	"github.com/devrun-dev/devrun/internal/target"
	"github.com/devrun-dev/devrun/runner"
	"github.com/devrun-dev/devrun/watcher"
)

// goWatchState keeps a Go process's watch set up to date: after each build, go list says what
// the build compiled (target.GoWatch), and only changes of those files restart. The refresh
// runs once the new program has started (or was kept), off the path from save to serving.
type goWatchState struct {
	set *target.GoWatch
	// extraExts and extraRoots are what -e +EXT and -w +DIR add: their files count too, as
	// files that are not compiled in (an identical binary still restarts for them).
	extraExts, extraRoots []string
	ctx                   context.Context // cancelled by close: no go list outlives devrun
	cancel                context.CancelFunc

	mu      sync.Mutex
	built   bool // a build succeeded and its set is not read yet
	failed  bool // a build failed and its set is not read yet
	running bool // a refresh runs; another is due when it ends if built/failed

	wmu    sync.Mutex         // guards what follows: watchMore may take a while
	roots  []string           // the folders added since start
	extra  []*watcher.Watcher // watchers of those added folders
	closed bool
}

func newGoWatchState(set *target.GoWatch) *goWatchState {
	ctx, cancel := context.WithCancel(context.Background())
	return &goWatchState{set: set, ctx: ctx, cancel: cancel}
}

// filter keeps the paths that matter; the others are said at -v only. onlyInputs: every path
// kept is compiled into the program, so an identical binary need not restart. A nil
// goWatchState keeps every path, and they may be anything (-w, -e).
func (g *goWatchState) filter(p *process, paths []string) (kept []string, onlyInputs bool) {
	if g == nil {
		return paths, false
	}
	onlyInputs = true
	for _, path := range paths {
		switch g.set.Classify(path) {
		case target.Input:
			kept = append(kept, path)
		case target.Template:
			kept, onlyInputs = append(kept, path), false
		default:
			if g.added(path) {
				kept, onlyInputs = append(kept, path), false
				continue
			}
			p.rep.Printf(LevelDetail, p.about, "not part of the build: %s", relPath(path, p.cwd))
		}
	}
	return kept, onlyInputs
}

func (g *goWatchState) onEvent(p *process, e runner.Event) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch e.Kind {
	case runner.BuildOK:
		g.built = true
		return
	case runner.BuildFailed:
		g.failed = true
	case runner.Started, runner.Unchanged, runner.StartFailed:
	default:
		return
	}
	if (g.built || g.failed) && !g.running {
		g.running = true
		go g.refresh(p)
	}
}

func (g *goWatchState) refresh(p *process) {
	for {
		g.mu.Lock()
		built := g.built
		if !g.built && !g.failed {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.built, g.failed = false, false
		g.mu.Unlock()

		st, err := g.set.Refresh(g.ctx, p.env, built, g.watchedRoots(p))
		if g.ctx.Err() != nil {
			return
		}
		if err != nil {
			p.rep.Printf(LevelWarn, p.about, "cannot read the build's files (%v); watching as before", err)
			continue
		}
		if st.Packages > 0 {
			p.rep.Printf(LevelDetail, p.about, "watching %d files of %d local packages (go list took %s)", st.Files, st.Packages, st.Took.Round(1e6))
		}
		for _, d := range st.Outside {
			g.watchMore(p, d)
		}
	}
}

// watchMore watches a folder that became part of the build since start (a replace directive
// or a go.work member added while devrun runs).
func (g *goWatchState) watchMore(p *process, dir string) {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if g.closed {
		return
	}
	opts := p.watchOpts
	opts.Roots = []string{dir}
	w, err := watcher.New(opts)
	if err != nil {
		p.rep.Printf(LevelWarn, p.about, "%s is part of the build but cannot be watched: %v", relPath(dir, p.cwd), err)
		return
	}
	g.roots = append(g.roots, dir)
	g.extra = append(g.extra, w)
	p.rep.Printf(LevelInfo, p.about, "now watching %s too: the build uses it", relPath(dir, p.cwd))
	go func() {
		for b := range w.Batches() {
			p.changed(p.ctx, b)
		}
	}()
}

// watchedRoots are the folders watched so far.
func (g *goWatchState) watchedRoots(p *process) []string {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	return append(append([]string(nil), p.watchOpts.Roots...), g.roots...)
}

// close stops the watchers watchMore started.
func (g *goWatchState) close() {
	if g == nil {
		return
	}
	g.cancel()
	g.wmu.Lock()
	g.closed = true
	extra := g.extra
	g.extra = nil
	g.wmu.Unlock()
	for _, w := range extra {
		w.Close()
	}
}

// added reports whether -e +EXT or -w +DIR names path.
func (g *goWatchState) added(path string) bool {
	for _, e := range g.extraExts {
		if strings.HasSuffix(path, "."+e) {
			return true
		}
	}
	for _, r := range g.extraRoots {
		if rel, err := filepath.Rel(r, path); err == nil && !strings.HasPrefix(rel, "..") {
			return true
		}
	}
	return false
}
