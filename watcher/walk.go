package watcher

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// addTree watches (or polls) top and every folder below it that is not ignored. With report,
// the relevant files found count as changes: the folder appeared after start, so whatever it
// holds is new.
func (s *state) addTree(top *folder, report bool, now time.Time) {
	stack := append(s.stack[:0], top)
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = s.addFolder(f, report, now, stack[:len(stack)-1])
	}
	clear(stack[:cap(stack)]) // keep the buffer, not the folders
	s.stack = stack[:0]
}

// addFolder watches one folder, reads it, and pushes its subfolders on stack. The watch is
// added before the folder is read, so that an entry created meanwhile is either read or
// reported by an event.
func (s *state) addFolder(f *folder, report bool, now time.Time, stack []*folder) []*folder {
	if f.flags&fGone != 0 {
		return stack
	}
	if s.visited != nil && !s.claimRealFolder(f) {
		return stack
	}
	path := s.tmpPath(f)
	if !s.attach(f, path) {
		return stack
	}
	if err := s.dl.open(path); err != nil {
		s.cannotRead(f, err)
		return stack
	}
	defer s.dl.close()
	s.loadGitignore(f)

	polled := f.flags&fPolled != 0
	// A folder walked for the first time has no known subfolders: no lookups. (A walk
	// started again after a .gitignore change does; it goes through rescanTree.)
	fresh := f.kids == nil
	pb := &s.pb
	pb.reset()
	files := 0
	for i := 0; i < s.dl.len(); i++ {
		name := s.dl.name(i)
		typ := s.entryType(i)
		switch typ {
		case typeDir:
			child, kind := s.subfolder(f, name, fresh)
			if child != nil {
				stack = append(stack, child)
			}
			if polled {
				pb.add(nameHash(name), kind, 0)
			}
		case typeOther:
			if polled {
				pb.add(nameHash(name), kindSkipDir, 0)
			}
		default:
			files++
			if !polled && !report {
				continue // the common case: inotify needs nothing per file
			}
			relevant := s.fileRelevant(f, name)
			if polled {
				kind, state := s.pollFile(i, name, relevant)
				pb.add(nameHash(name), kind, state)
			}
			if report && relevant {
				s.deb.add(s.filePath(f, name), now)
			}
		}
	}
	if polled {
		f.x.poll.store(pb)
	}
	s.setFiles(f, files)
	return stack
}

// pollFile is the poll state of file entry i of the open folder: relevant files and
// .gitignore files are statted (a changed .gitignore changes what counts), others not.
func (s *state) pollFile(i int, name string, relevant bool) (kind, state uint32) {
	if !relevant && (s.opts.NoGitignore || name != ".gitignore") {
		return kindSkipFile, 0
	}
	fi, err := s.dl.stat(i, false)
	if err != nil {
		return kindSkipFile, 0
	}
	return kindFile, stateHash(&fi)
}

// entryType is the type of entry i of the open folder, with symlinks to folders resolved to
// typeDir when they are followed.
func (s *state) entryType(i int) entType {
	typ := s.dl.ents[i].typ
	if typ == typeUnknown {
		fi, err := s.dl.stat(i, false)
		if err != nil {
			return typeOther
		}
		typ = fi.typ
	}
	if typ == typeSymlink && s.opts.FollowSymlinks {
		if fi, err := s.dl.stat(i, true); err == nil && fi.typ == typeDir {
			return typeDir
		}
	}
	return typ
}

// subfolder registers the subfolder name of f unless it is ignored or already known, and
// returns it to be walked, with the kind a poll state records for it. fresh says that f had
// no known subfolders when it was opened.
func (s *state) subfolder(f *folder, name string, fresh bool) (*folder, uint32) {
	if s.dirPruned(f, name) {
		return nil, kindSkipDir
	}
	if (!fresh || len(s.tops) > 1) && s.knownChild(f, name) != nil {
		return nil, kindDir
	}
	return s.newFolder(f, name), kindDir
}

// claimRealFolder records the real folder behind f when symlinks are followed, and forgets f
// if that folder was reached already (a loop, or a second link to it).
func (s *state) claimRealFolder(f *folder) bool {
	fi, err := statPath(s.tmpPath(f))
	if err != nil {
		s.forget(f)
		return false
	}
	id := fileID{fi.dev, fi.ino}
	if other, dup := s.visited[id]; dup && other != f {
		s.forget(f)
		return false
	}
	s.visited[id] = f
	x := f.extra()
	x.id = id
	f.flags |= fHasID
	return true
}

// attach gives f a kernel watch or, past the kernel's limits or when polling, a poll state.
// It returns false when f cannot be watched at all (it is gone, or unreadable).
func (s *state) attach(f *folder, path string) bool {
	if s.n != nil && s.limitErr == nil {
		wd, err := s.n.Add(path)
		switch {
		case err == nil:
			f.wd = wd
			f.flags |= fWatched
			s.wds.insert(f)
			s.w.folders.Add(1)
			return true
		case isLimitErr(err):
			s.limitErr = err
			if s.ready {
				s.warnWatchLimit(err)
			}
		default:
			s.cannotRead(f, err)
			return false
		}
	}
	s.startPolling(f)
	return true
}

// cannotRead forgets a folder that vanished or cannot be read, warning about the latter.
func (s *state) cannotRead(f *folder, err error) {
	s.forget(f)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return
	}
	s.warn.once("unreadable", "cannot watch %s (%v); it and the folders below it are skipped", s.folderPath(f), err)
}

// loadGitignore (re)reads the .gitignore of the open folder f.
func (s *state) loadGitignore(f *folder) {
	if s.opts.NoGitignore {
		return
	}
	has := false
	for i := 0; i < s.dl.len(); i++ {
		if s.dl.name(i) == ".gitignore" {
			has = true
			break
		}
	}
	s.readGitignore(f, has)
}

func (s *state) readGitignore(f *folder, has bool) {
	if !has {
		if f.x != nil {
			f.x.ign = nil
		}
		return
	}
	data, err := os.ReadFile(s.filePath(f, ".gitignore"))
	if err != nil {
		if f.x != nil {
			f.x.ign = nil
		}
		return
	}
	f.extra().ign = parseGitignore(data)
}
