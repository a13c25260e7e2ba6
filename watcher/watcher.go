package watcher

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Options says what to watch and how changes are grouped.
type Options struct {
	// Roots are the folders (watched recursively) and single files to watch; default ["."].
	// A missing root is an error from New.
	Roots []string
	// Exts keeps only files with these extensions ("go" and ".go" both work; "tar.gz" too).
	// Empty: every file counts.
	Exts []string
	// Files are doublestar globs, relative to the root, of files that count whatever their
	// extension (go.mod, embed patterns). A glob without a slash matches the name at any depth.
	// They also win over the default ignores and .gitignore (a gitignored dist/ that a binary
	// embeds), but not over Ignore.
	Files []string
	// Ignore are doublestar globs relative to the root. A glob without a slash matches the
	// name at any depth ("*.log", "tmp/"); "dir/" and "dir/**" ignore a folder, which is then
	// never walked nor watched. A leading "/" anchors at the root; an absolute path under the
	// root works too.
	Ignore []string
	// NoDefaultIgnores turns off the built-in list (VCS folders, node_modules, editor
	// temporary files, ...; see DefaultIgnores).
	NoDefaultIgnores bool
	// NoGitignore turns off .gitignore files (root, nested, and the ones above the root up to
	// the top of the git work tree) and .git/info/exclude.
	NoGitignore bool
	// Delay is the quiet period: a batch is sent Delay after the last relevant event.
	// 0 sends a batch for every read of events, at once.
	Delay time.Duration
	// Poll > 0 turns inotify/kqueue off and polls at most every Poll (Docker volumes, WSL2,
	// NFS). Polling spends at most about 4% of one core: on big trees a pass over every file
	// takes several intervals, while folders that changed recently are checked every interval.
	Poll time.Duration
	// FollowSymlinks walks into symlinked folders (each real folder once, so loops end).
	// By default a symlink is a file entry and its target is not watched.
	FollowSymlinks bool
	// Warnf receives warnings meant for the user (a limit was hit and polling took over, the
	// event queue overflowed, a folder cannot be read); each kind is reported once. It may be
	// called from any goroutine, never concurrently. nil: warnings are dropped.
	Warnf func(format string, args ...any)
}

// Batch is one debounced group of changes.
type Batch struct {
	// Paths are the changed files: absolute, cleaned, sorted, unique. When the watcher knows
	// that something relevant changed in a folder but not what (a file deleted while polling
	// or while the event queue overflowed, a folder moved away), the folder's path is listed.
	Paths []string
	// Rescan says that some of the paths were found by a rescan after the kernel's event
	// queue overflowed, rather than reported by events.
	Rescan bool
}

// Stats is a snapshot of what the watcher covers.
type Stats struct {
	FoldersWatched int // folders with an inotify (or kqueue) watch
	FoldersPolled  int // folders polled: Options.Poll, or over the kernel's watch limit
	FilesSeen      int // files in those folders when they were last read
}

// DefaultPollInterval is the polling interval used for folders that could not be watched
// (the kernel's watch limit was reached) when Options.Poll is 0; a sensible default for a
// command line's --poll too.
const DefaultPollInterval = 500 * time.Millisecond

// Watcher turns file system changes under its roots into debounced batches.
type Watcher struct {
	batches   chan Batch
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	folders atomic.Int64
	polled  atomic.Int64
	files   atomic.Int64

	s *state // owned by the loop goroutine once New has returned
}

// New walks the roots, watches every folder that is not ignored, and starts delivering
// batches. It returns once every folder is watched (or polled).
func New(opts Options) (*Watcher, error) { return newWatcher(opts, hooks{}) }

func newWatcher(opts Options, h hooks) (*Watcher, error) {
	if err := platformSupported(); err != nil {
		return nil, err
	}
	if len(opts.Roots) == 0 {
		opts.Roots = []string{"."}
	}
	w := &Watcher{
		batches: make(chan Batch),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	s := newState(opts, h, w)
	w.s = s
	if err := s.start(); err != nil {
		s.shutdown()
		return nil, err
	}
	go s.run()
	return w, nil
}

// Batches delivers the batches; it is closed by Close. A batch that is not received yet
// absorbs the next ones, so a slow receiver gets fewer, bigger batches and never blocks
// the watcher.
func (w *Watcher) Batches() <-chan Batch { return w.batches }

// Close stops watching, releases the kernel's watches and closes Batches. It may be called
// more than once.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		close(w.quit)
		<-w.done
		w.closeErr = w.s.shutdown()
		close(w.batches)
	})
	return w.closeErr
}

// Stats says how many folders are watched and polled. Safe to call at any time.
func (w *Watcher) Stats() Stats {
	return Stats{
		FoldersWatched: int(w.folders.Load()),
		FoldersPolled:  int(w.polled.Load()),
		FilesSeen:      int(w.files.Load()),
	}
}

// absRoot resolves a root to an absolute, cleaned path and says whether it is a folder.
func absRoot(p string) (string, bool, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false, fmt.Errorf("watch path %q: %w", p, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", false, fmt.Errorf("watch path %q: %w", p, err)
	}
	return abs, fi.IsDir(), nil
}
