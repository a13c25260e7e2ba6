package session

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/watcher"
)

// announcedWatch watches the files a program announced it takes through its handlers
// (devrun.hello's reloads) when the process's own watch set would not report them: templates
// of a Node program, whose extensions are .js and .json.
type announcedWatch struct {
	mu      sync.Mutex
	globs   []string // already watched
	w       []*watcher.Watcher
	stopped bool
}

// noExtension is an extension no file has: the extra watcher then reports its Files only.
const noExtension = "\x00"

// add watches the announced globs that p's watcher does not already cover.
func (a *announcedWatch) add(p *process, rules []childrpc.ReloadRule) {
	var globs []string
	for _, r := range rules {
		for _, g := range r.Files {
			if !strings.Contains(g, "/") {
				g = "**/" + g
			}
			if !coveredByExts(g, p.watchOpts.Exts) {
				globs = append(globs, g)
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	globs = slices.DeleteFunc(globs, func(g string) bool { return slices.Contains(a.globs, g) })
	if len(globs) == 0 || a.stopped {
		return
	}
	opts := p.watchOpts
	opts.Exts, opts.Files = []string{noExtension}, globs
	w, err := watcher.New(opts)
	if err != nil {
		p.rep.Printf(LevelWarn, p.about, "cannot watch %s, which the program reloads: %v", strings.Join(globs, " "), err)
		return
	}
	a.globs = append(a.globs, globs...)
	a.w = append(a.w, w)
	go func() {
		for b := range w.Batches() {
			// A file the main watcher reports too comes from there.
			b.Paths = slices.DeleteFunc(b.Paths, func(path string) bool { return watchedByMain(p.watchOpts, path) })
			if len(b.Paths) > 0 {
				p.changed(p.ctx, b)
			}
		}
	}()
}

func (a *announcedWatch) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopped = true
	for _, w := range a.w {
		w.Close()
	}
}

// coveredByExts reports whether every file a glob matches passes an extension filter.
func coveredByExts(glob string, exts []string) bool {
	if len(exts) == 0 {
		return true
	}
	return hasExt(glob, exts) && !strings.ContainsAny(filepath.Ext(glob), "*?[{")
}

// watchedByMain reports whether the process's own watcher reports path: by its extension,
// or by one of its Files globs (relative to a root).
func watchedByMain(opts watcher.Options, path string) bool {
	if hasExt(path, opts.Exts) {
		return true
	}
	for _, root := range opts.Roots {
		abs, err := filepath.Abs(root)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(abs, path)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		for _, g := range opts.Files {
			if ok, _ := doublestar.Match(g, filepath.ToSlash(rel)); ok {
				return true
			}
		}
	}
	return false
}

func hasExt(path string, exts []string) bool {
	if len(exts) == 0 {
		return true
	}
	for _, e := range exts {
		if strings.HasSuffix(path, "."+strings.TrimPrefix(e, ".")) {
			return true
		}
	}
	return false
}
