package watcher

import "time"

// handleEvent turns one kernel event into changes: new folders are walked, vanished ones
// forgotten, files filtered. Only a relevant file starts or extends the quiet period.
func (s *state) handleEvent(ev event, now time.Time) {
	if ev.op&opOverflow != 0 {
		s.overflowed(now)
		return
	}
	parent := s.wds.find(ev.wd)
	if parent == nil {
		return // a folder forgotten since the kernel queued the event
	}
	if ev.op&opWatchGone != 0 {
		// The folder was deleted (its parent's event forgets it) or unmounted; its id may
		// not be removed again.
		parent.flags |= fWatchLost
		s.wds.remove(parent)
		return
	}
	name := ev.name
	if name == "" {
		// The folder itself was deleted or moved away. Its parent's event says so too, if
		// the parent is watched; a root's or a polled folder's parent says nothing.
		if ev.op&(opRemove|opRename) != 0 && (parent.parent == nil || parent.parent.flags&fWatched == 0) {
			s.folderGone(parent, ev.op&opRename != 0, now)
		}
		return
	}
	if ev.op&(opDir|opMaybeDir) != 0 {
		if f := s.knownChild(parent, name); f != nil {
			// The event is about a known folder.
			if ev.op&(opRemove|opRename) != 0 {
				s.folderGone(f, ev.op&opRename != 0, now)
			}
			return
		}
	}
	p := s.filePath(parent, name)
	switch {
	case ev.op&opCreate != 0:
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
				s.folderCreated(parent, name, now)
				return
			case typeOther:
				return // a socket or pipe the program made: not a source change
			}
			parent.flags |= fHadFiles
		}
	case ev.op&(opWrite|opRemove|opRename) != 0:
		if ev.op&opWrite == 0 && ev.op&(opDir|opMaybeDir) != 0 && s.dirPruned(parent, name) {
			// An ignored folder vanished (or, when the backend cannot tell, an entry whose
			// name would be an ignored folder): it does not count.
			return
		}
	case ev.op&opChmod != 0:
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
func (s *state) folderCreated(parent *folder, name string, now time.Time) {
	if s.dirPruned(parent, name) {
		return
	}
	if s.knownChild(parent, name) != nil {
		return
	}
	s.addTree(s.newFolder(parent, name), true, now)
}

// folderGone forgets a folder that was deleted or moved away. A deleted folder's files were
// reported one by one as they went; a moved one's were not, so the folder itself counts if it
// held anything.
func (s *state) folderGone(f *folder, moved bool, now time.Time) {
	had := f.mayHoldFiles()
	if f.parent == nil {
		s.warn.once("root-gone", "%s was removed or moved away; it is no longer watched", f.name)
	}
	s.forget(f)
	if moved && had {
		s.deb.add(s.folderPath(f), now)
	}
}

// handleError reports a read error of the kernel's events once; the watcher never stops
// on it.
func (s *state) handleError(err error) {
	s.warn.once("notify-error", "file watching: %v", err)
}
