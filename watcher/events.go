package watcher

import (
	"errors"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// handleEvent turns one fsnotify event into changes: new folders are walked, vanished ones
// forgotten, files filtered. Only a relevant file starts or extends the quiet period.
func (s *state) handleEvent(ev fsnotify.Event, now time.Time) {
	p := ev.Name
	if f, ok := s.folders[p]; ok {
		// The event is about a known folder itself.
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			s.folderGone(f, ev.Has(fsnotify.Rename), now)
		}
		return
	}
	dir, name := filepath.Split(p)
	parent := s.folders[filepath.Clean(dir)]
	if parent == nil || name == "" {
		return // a folder forgotten since the kernel queued the event
	}
	switch {
	case ev.Has(fsnotify.Create):
		fi, err := lstatPath(p)
		if err == nil {
			typ := fi.typ
			if typ == typeSymlink && s.opts.FollowSymlinks {
				if t, err := statPath(p); err == nil && t.typ == typeDir {
					typ = typeDir
				}
			}
			switch typ {
			case typeDir:
				s.folderCreated(parent, name, p, now)
				return
			case typeOther:
				return // a socket or pipe the program made: not a source change
			}
			parent.flags |= fHadFiles
		}
	case ev.Has(fsnotify.Write), ev.Has(fsnotify.Remove), ev.Has(fsnotify.Rename):
		if !ev.Has(fsnotify.Write) && s.dirPruned(parent, name) {
			// The event does not say whether an ignored folder or a file vanished;
			// a name that would be an ignored folder does not count.
			return
		}
	case ev.Has(fsnotify.Chmod):
		if !mayHaveNewContent(p) {
			return
		}
	default:
		return
	}
	if name == ".gitignore" {
		s.ignoreChanged(parent)
	}
	if s.fileRelevant(parent, name) {
		s.deb.add(p, now)
	}
}

// mayHaveNewContent tells a chmod (ctime moves alone, mtime stays old) from what else is
// reported as a chmod: touch, or a truncation on kqueue, which set mtime and ctime together
// (within touchSkew: a tool may set mtime to its own idea of now).
func mayHaveNewContent(p string) bool {
	fi, err := lstatPath(p)
	if err != nil || fi.typ != typeFile {
		return false
	}
	d := time.Duration(fi.ctime - fi.mtime)
	return -touchSkew <= d && d <= touchSkew
}

const touchSkew = 20 * time.Millisecond

// folderCreated walks a folder that appeared (created, or moved in): whatever it holds is
// new, so its relevant files count.
func (s *state) folderCreated(parent *folder, name, path string, now time.Time) {
	if s.dirPruned(parent, name) {
		return
	}
	if _, known := s.folders[path]; known {
		return
	}
	s.addTree(s.newFolder(parent, path, parent.root), true, now)
}

// folderGone forgets a folder that was deleted or moved away. A deleted folder's files were
// reported one by one as they went; a moved one's were not, so the folder itself counts if it
// held anything.
func (s *state) folderGone(f *folder, moved bool, now time.Time) {
	had := f.mayHoldFiles()
	if f.parent == nil {
		s.warn.once("root-gone", "%s was removed or moved away; it is no longer watched", f.path)
	}
	s.forget(f)
	if moved && had {
		s.deb.add(f.path, now)
	}
}

// handleError reacts to an error from fsnotify: an overflow schedules a rescan; other errors
// are reported once and otherwise ignored (the watcher never stops on them).
func (s *state) handleError(err error, now time.Time) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		s.overflowed(now)
		return
	}
	s.warn.once("notify-error", "file watching: %v", err)
}
