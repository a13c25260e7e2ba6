package watcher

import (
	"fmt"
	"path/filepath"
	"sort"
	"time"
)

// state is everything the watcher knows; the loop goroutine owns it once New has returned.
type state struct {
	w     *Watcher
	opts  Options
	h     hooks
	clock clock
	warn  warner

	exts     []string
	roots    []*root
	tops     []*folder           // the roots' folders and the file roots' folders
	explicit map[string]struct{} // file roots: always count

	n         notifier // nil: polling only
	wds       wdTable  // watched folders by watch id
	limitErr  error    // why watches stopped being added; folders are polled from then on
	poll      *poller  // nil until a folder is polled
	pollEvery time.Duration
	visited   map[fileID]*folder // FollowSymlinks: real folders already walked

	deb         debouncer
	syncPoint   time.Time // every change made before it has been delivered as an event
	margin      time.Duration
	ignoreDirty map[*folder]struct{} // folders whose .gitignore changed, resynced at the end of the wake-up

	dl        dirList     // reused by every folder read; never held across a walk
	pb        pollBuilder // reused by every poll state built
	pathBuf   []byte      // tmpPath's buffer
	explBuf   []byte      // fileRelevant's buffer for file roots
	relBuf    []byte      // relPath's buffer: relFolder's path relative to its root, then a name
	relLen    int         // length of that relative path in relBuf
	relFolder *folder     // the folder relBuf is about
	relRoot   *root       // its root
	stack     []*folder   // addTree's stack
	dropStack []*folder   // forget's stack
	mark      uint32      // generation counter for passes over folders
	ready     bool        // the first walk is done: warnings can give totals at once
}

// hooks are the seams tests use; the zero value is the real thing.
type hooks struct {
	newNotifier  func() (notifier, error) // default: newKernelNotifier
	clock        clock                    // default: the real clock
	afterStep    func()                   // called by the loop after each wake-up has been handled
	afterRescan  func(found int)          // called after an overflow rescan
	pollInterval time.Duration            // fallback polling interval; default DefaultPollInterval
	pollAll      bool                     // every tick reads every polled folder, in order
	zeroMargin   bool                     // overflow rescans trust the clock to the nanosecond
}

// syncMargin absorbs the difference between the clock the kernel stamps files with (coarse,
// up to a tick behind) and time.Now.
const syncMargin = 50 * time.Millisecond

func newState(opts Options, h hooks, w *Watcher) *state {
	s := &state{
		w:      w,
		opts:   opts,
		h:      h,
		clock:  h.clock,
		warn:   warner{fn: opts.Warnf},
		exts:   normalizeExts(opts.Exts),
		margin: syncMargin,
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if h.zeroMargin {
		s.margin = 0
	}
	s.pollEvery = opts.Poll
	if s.pollEvery <= 0 {
		s.pollEvery = DefaultPollInterval
		if h.pollInterval > 0 {
			s.pollEvery = h.pollInterval
		}
	}
	if opts.FollowSymlinks {
		s.visited = make(map[fileID]*folder)
	}
	s.deb.delay = opts.Delay
	return s
}

// start resolves the roots, opens the kernel's notification API (unless polling), and walks
// every root.
func (s *state) start() error {
	var dirs []string
	var files []string
	seen := make(map[string]bool)
	for _, r := range s.opts.Roots {
		abs, isDir, err := absRoot(r)
		if err != nil {
			return err
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		if isDir {
			dirs = append(dirs, abs)
		} else {
			files = append(files, abs)
		}
	}
	// Outer roots first, so that a root inside another one is walked as part of it.
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) < len(dirs[j]) })

	var roots []*root
	for _, d := range dirs {
		r := &root{path: d}
		var err error
		if r.ignore, err = compileGlobs("ignore", s.opts.Ignore, d); err != nil {
			return err
		}
		if r.files, err = compileGlobs("files", s.opts.Files, d); err != nil {
			return err
		}
		if !s.opts.NoGitignore {
			r.outer = loadOuterIgnores(d)
		}
		roots = append(roots, r)
	}
	s.roots = roots

	if s.opts.Poll <= 0 {
		newN := s.h.newNotifier
		if newN == nil {
			newN = newKernelNotifier
		}
		n, err := newN()
		if err != nil {
			// No inotify instance (the per-user limit, or none at all): poll everything.
			s.limitErr = err
		} else {
			s.n = n
		}
	}

	now := s.clock.Now()
	s.syncPoint = now
	for _, r := range roots {
		if s.lookup(r.path) != nil {
			continue
		}
		s.addTree(s.newTop(r.path, r), false, now)
	}
	for _, p := range files {
		s.addFileRoot(p, now)
	}
	switch {
	case s.limitErr != nil && s.n != nil:
		s.warnWatchLimit(s.limitErr)
	case s.limitErr != nil:
		s.warnNoInstance(s.limitErr)
	}
	s.ready = true
	return nil
}

// addFileRoot makes a single file count. Its folder is watched for the file's sake (an
// editor's atomic save replaces the file, which a watch on the file itself would lose).
func (s *state) addFileRoot(p string, now time.Time) {
	if s.explicit == nil {
		s.explicit = make(map[string]struct{})
	}
	dir := filepath.Dir(p)
	s.explicit[p] = struct{}{}
	if s.lookup(dir) != nil {
		return
	}
	f := s.newTop(dir, &root{path: dir})
	f.flags |= fOnlyExplicit
	s.addTree(f, false, now)
}

// shutdown releases the kernel's resources.
func (s *state) shutdown() error {
	if s.n != nil {
		if err := s.n.Close(); err != nil {
			return fmt.Errorf("watcher: close: %w", err)
		}
	}
	return nil
}
