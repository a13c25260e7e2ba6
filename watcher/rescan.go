package watcher

import (
	"math"
	"time"
)

// Queue overflows. When the kernel's event queue overflows, events are lost and nothing says
// which. Comparing every file with a snapshot would need per-file state, which the watcher
// does not keep for watched folders (10 MB for the whole process at 100,000 files). Instead
// the loop keeps a sync point: a time before which every change has been delivered, taken
// when the loop was waiting with nothing to read for at least syncGap (the kernel queue was
// empty then; events lost later were made after it). The rescan then reads every watched
// folder and reports:
//
//   - relevant files whose mtime or ctime is at or after the sync point (less syncMargin, for
//     the kernel's coarse clock): new, written, renamed in, or touched;
//   - the files of folders that appeared, which are then watched;
//   - folders that vanished (they are forgotten);
//   - a folder whose own mtime moved while none of its files is reported: something was
//     deleted or renamed away in it, and a deleted file cannot be named without per-file state.
//
// Over-reporting is possible (a file saved just before the burst that overflowed the queue,
// a folder in which only irrelevant files were created or deleted); under-reporting is not,
// as long as clocks move forward. Polled folders are left to the poller, which compares them
// exactly.

// syncGap is how long the loop must have waited with no event for the queue to be known
// empty.
const syncGap = 50 * time.Millisecond

// overflowed schedules a rescan for the next flush.
func (s *state) overflowed(now time.Time) {
	s.warn.once("overflow", "the kernel's file event queue overflowed (%s); "+
		"rescanning the watched folders for what changed", queueLimitText())
	since := s.syncPoint.Add(-s.margin).UnixNano()
	if !s.deb.rescan || since < s.deb.rescanSince {
		s.deb.rescanSince = since
	}
	s.deb.rescan = true
	s.deb.last = now
}

// tops are the folders the walks start from: the roots and the folders of file roots.
func (s *state) liveTops() []*folder {
	live := s.tops[:0]
	for _, f := range s.tops {
		if f.flags&fGone == 0 {
			live = append(live, f)
		}
	}
	clear(s.tops[len(live):])
	s.tops = live
	return append([]*folder(nil), live...)
}

// rescanTree compares the folders from tops down with the disk: new folders are walked,
// vanished and newly ignored ones forgotten, and .gitignore files reloaded. With report
// (after an overflow), the new folders' files, the vanished folders and the files changed at
// or after since count as changes (see above). Without (after a .gitignore changed), nothing
// is reported and polled folders are reclassified.
func (s *state) rescanTree(tops []*folder, since int64, report bool, now time.Time) {
	s.mark++
	gen := s.mark
	stack := append([]*folder(nil), tops...)
	var fresh []*folder
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if f.flags&fGone != 0 {
			continue
		}
		f.mark = gen
		if f.flags&fPolled != 0 {
			if report {
				continue // the poller compares polled folders (and those below) exactly
			}
			f.x.poll.reset()
			s.pollFolder(f, now, true)
			for c := f.kids; c != nil; c = c.next {
				stack = append(stack, c)
			}
			continue
		}
		stack, fresh = s.rescanFolder(f, since, report, now, stack, fresh)
	}
	for _, f := range fresh {
		if f.flags&fGone == 0 {
			s.addTree(f, report, now)
		}
	}
}

// rescanFolder does rescanTree's work for one watched folder; known subfolders go on stack,
// new ones on fresh (walked once the folder is closed).
func (s *state) rescanFolder(f *folder, since int64, report bool, now time.Time, stack, fresh []*folder) ([]*folder, []*folder) {
	gen := s.mark
	if err := s.dl.open(s.tmpPath(f)); err != nil {
		had := f.mayHoldFiles()
		s.cannotRead(f, err)
		if report && had {
			s.deb.add(s.folderPath(f), now)
		}
		return stack, fresh
	}
	defer s.dl.close()
	timed := since != math.MaxInt64
	if !s.opts.NoGitignore {
		idx := -1
		for i := 0; i < s.dl.len(); i++ {
			if s.dl.name(i) == ".gitignore" {
				idx = i
				break
			}
		}
		loaded := f.x != nil && f.x.ign != nil
		switch {
		case (idx >= 0) != loaded:
			s.readGitignore(f, idx >= 0)
		case idx >= 0 && timed:
			if fi, err := s.dl.stat(idx, false); err == nil && fi.changedAt() >= since {
				s.readGitignore(f, true)
			}
		}
	}
	reported := false
	files := 0
	kids := newKidFinder(f)
	for i := 0; i < s.dl.len(); i++ {
		name := s.dl.name(i)
		switch s.entryType(i) {
		case typeDir:
			child := s.find(&kids, name)
			if s.dirPruned(f, name) {
				if child != nil && child.parent == f {
					s.forget(child)
				}
				continue
			}
			if child != nil {
				if child.parent == f {
					child.mark = gen
					stack = append(stack, child)
				}
				continue
			}
			c := s.newFolder(f, name)
			c.mark = gen // not vanished: walked below
			fresh = append(fresh, c)
		case typeOther:
		default:
			files++
			if !timed || !s.fileRelevant(f, name) {
				continue
			}
			if fi, err := s.dl.stat(i, false); err == nil && fi.changedAt() >= since {
				s.deb.add(s.filePath(f, name), now)
				reported = true
			}
		}
	}
	for c := f.kids; c != nil; {
		next := c.next // forget unlinks c
		if c.mark != gen && c.flags&fGone == 0 {
			had := c.mayHoldFiles()
			s.forget(c)
			if report && had {
				s.deb.add(s.folderPath(c), now)
				reported = true
			}
		}
		c = next
	}
	if report && timed && !reported {
		if self, err := s.dl.statSelf(); err == nil && self.changedAt() >= since {
			s.deb.add(s.folderPath(f), now)
		}
	}
	s.setFiles(f, files)
	return stack, fresh
}

// ignoreChanged notes that the .gitignore of f changed: what is pruned below f may differ,
// so the subtree is resynced at the end of the current wake-up.
func (s *state) ignoreChanged(f *folder) {
	if s.opts.NoGitignore {
		return
	}
	if s.ignoreDirty == nil {
		s.ignoreDirty = make(map[*folder]struct{})
	}
	s.ignoreDirty[f] = struct{}{}
}

// resyncIgnores reloads the .gitignore files that changed and brings the folders below them
// in line: newly ignored folders are forgotten, newly visible ones walked (quietly: they did
// not change, what counts did).
func (s *state) resyncIgnores(now time.Time) {
	if len(s.ignoreDirty) == 0 {
		return
	}
	var tops []*folder
	for f := range s.ignoreDirty {
		if f.flags&fGone == 0 {
			// The folder's own .gitignore is reread by the pass (its presence may differ).
			if f.x != nil {
				f.x.ign = nil
			}
			s.readGitignore(f, true)
			tops = append(tops, f)
		}
	}
	clear(s.ignoreDirty)
	s.rescanTree(tops, math.MaxInt64, false, now)
}
