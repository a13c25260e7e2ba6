package watcher

import "time"

// Polling stats every relevant file, which no clock-free shortcut avoids: a write in place
// moves neither the folder's mtime nor anything else. A pass over 100,000 files costs about
// 0.1 to 0.2 s of CPU (one statx each, plus an open, a getdents and a close per folder), more
// than 5% of one core at any interval a user would wait for. So each tick spends a budget
// (pollBudgetPercent of the interval) and the passes resume where the last tick stopped:
// small trees are read whole at every tick, big ones over several, and folders that changed
// recently ("hot", where the user is editing) are read at every tick first.

const (
	pollBudgetPercent = 4
	hotFor            = 30 * time.Second
	maxHot            = 64
	slowPass          = 2 * time.Second // a pass slower than this is worth a warning
)

// poller is the round-robin over polled folders.
type poller struct {
	list      []*folder
	cursor    int
	hot       []hotFolder
	passStart time.Time
	files     int // files statted in the current pass, for the warning
}

type hotFolder struct {
	f     *folder
	until time.Time
}

// startPolling makes f a polled folder; its state is built by the walk that reads it.
func (s *state) startPolling(f *folder) {
	f.extra().poll = &pollState{}
	f.flags |= fPolled
	s.w.polled.Add(1)
	if s.poll == nil {
		s.poll = &poller{passStart: s.clock.Now()}
	}
	s.poll.list = append(s.poll.list, f)
}

// pollTick reads the hot folders, then continues the round-robin until the tick's budget is
// spent (at least one folder per tick).
func (s *state) pollTick(now time.Time) {
	p := s.poll
	began := time.Now()
	budget := s.pollEvery * pollBudgetPercent / 100
	if s.h.pollAll {
		budget = 1<<63 - 1
	}
	s.mark++
	gen := s.mark

	live := p.hot[:0]
	for _, h := range p.hot {
		if h.f.flags&fGone == 0 && now.Before(h.until) {
			live = append(live, h)
		}
	}
	clear(p.hot[len(live):])
	p.hot = live
	for i := 0; i < len(p.hot) && !s.h.pollAll; i++ {
		if f := p.hot[i].f; f.flags&fGone == 0 && f.mark != gen {
			f.mark = gen
			s.pollFolder(f, now, false)
		}
	}

	for n := len(p.list); n > 0; n-- {
		if p.cursor >= len(p.list) {
			s.pollPassDone(now)
			if len(p.list) == 0 {
				return
			}
		}
		f := p.list[p.cursor]
		p.cursor++
		if f.flags&fGone != 0 || f.mark == gen {
			continue
		}
		f.mark = gen
		s.pollFolder(f, now, false)
		p.files += int(f.files)
		if time.Since(began) >= budget {
			break
		}
	}
}

// pollPassDone starts a new pass: forgotten folders leave the list, and a pass that took
// long is reported once, so that a user who asked for 100 ms knows why a change took 3 s.
func (s *state) pollPassDone(now time.Time) {
	p := s.poll
	kept := p.list[:0]
	for _, f := range p.list {
		if f.flags&fGone == 0 && f.flags&fPolled != 0 {
			kept = append(kept, f)
		}
	}
	clear(p.list[len(kept):])
	p.list = kept
	p.cursor = 0
	if pass := now.Sub(p.passStart); pass > slowPass && pass > 4*s.pollEvery {
		s.warn.once("slow-poll", "polling %d folders (%d files) every %v takes %v per pass, "+
			"to keep polling under 5%% of a CPU: a change there can take that long to be seen "+
			"(folders changed recently are checked at every interval)",
			len(p.list), p.files, s.pollEvery, pass.Round(100*time.Millisecond))
	}
	p.passStart = now
	p.files = 0
}

// polling reports whether some folder is polled.
func (s *state) polling() bool { return s.poll != nil && len(s.poll.list) > 0 }

// makeHot has f read at every tick for a while.
func (s *state) makeHot(f *folder, now time.Time) {
	p := s.poll
	for i := range p.hot {
		if p.hot[i].f == f {
			p.hot[i].until = now.Add(hotFor)
			return
		}
	}
	if len(p.hot) >= maxHot {
		copy(p.hot, p.hot[1:])
		p.hot = p.hot[:len(p.hot)-1]
	}
	p.hot = append(p.hot, hotFolder{f, now.Add(hotFor)})
}

// pollFolder re-reads a polled folder and reports what changed since it was last read: new
// and modified relevant files by path, deleted ones by the folder's path, new subfolders
// walked (their files reported), vanished ones forgotten. quiet rebuilds the state without
// reporting anything (after a .gitignore change, when what counts changed).
func (s *state) pollFolder(f *folder, now time.Time, quiet bool) {
	ps := f.x.poll
	if err := s.dl.open(s.tmpPath(f)); err != nil {
		had := f.mayHoldFiles()
		s.cannotRead(f, err)
		if had && !quiet {
			s.deb.add(s.folderPath(f), now)
		}
		return
	}
	var (
		fresh         []*folder
		rest          map[uint64]int // old entries not matched in order, by name hash
		matched       int            // old entries matched in order
		files         int
		changed       bool
		lostSomething bool
		ignoreChanged bool
	)
	pb := &s.pb
	pb.reset()
	var kids *kidFinder // built at the first lookup
	// gone handles old entry k, which is not there any more.
	gone := func(k int) {
		switch metaKind(ps.meta[k]) {
		case kindFile:
			if ps.names[k] != gitignoreHash {
				lostSomething = true
			} else if !s.opts.NoGitignore {
				ignoreChanged = true
				lostSomething = lostSomething || s.fileRelevant(f, ".gitignore")
			}
		case kindDir:
			if child := childByHash(f, ps.names[k]); child != nil {
				if child.mayHoldFiles() && !quiet {
					s.deb.add(s.folderPath(child), now)
					changed = true
				}
				s.forget(child)
			}
		}
	}
	for i := 0; i < s.dl.len(); i++ {
		name := s.dl.name(i)
		h := nameHash(name)
		j := -1
		if rest == nil && matched < len(ps.names) && ps.names[matched] == h {
			j = matched
			matched++
		} else {
			if rest == nil {
				rest = make(map[uint64]int, len(ps.names)-matched)
				for k := matched; k < len(ps.names); k++ {
					rest[ps.names[k]] = k
				}
			}
			if k, ok := rest[h]; ok {
				j = k
				delete(rest, h)
			}
		}
		typ := s.dl.ents[i].typ
		if j >= 0 {
			m := ps.meta[j]
			kind := metaKind(m)
			// A file replaced by a folder or the other way round is a new entry.
			if typ == typeDir && isFileKind(kind) || typ == typeFile && !isFileKind(kind) {
				gone(j)
			} else {
				switch kind {
				case kindFile:
					fi, err := s.dl.stat(i, false)
					if err != nil {
						lostSomething = true
						continue
					}
					st := stateHash(&fi)
					if st != m>>2 {
						if name == ".gitignore" && !s.opts.NoGitignore {
							ignoreChanged = true
						}
						if !quiet && s.fileRelevant(f, name) {
							s.deb.add(s.filePath(f, name), now)
							changed = true
						}
					}
					pb.add(h, kindFile, st)
					files++
				case kindSkipFile:
					pb.add(h, m&3, m>>2)
					files++
				default:
					pb.add(h, kind, m>>2)
				}
				continue
			}
		}
		// A new entry.
		typ = s.entryType(i)
		switch typ {
		case typeDir:
			kind := uint32(kindSkipDir)
			if kids == nil {
				k := newKidFinder(f)
				kids = &k
			}
			known := s.find(kids, name)
			switch {
			case s.dirPruned(f, name):
				if known != nil && known.parent == f {
					s.forget(known) // ignored now (a .gitignore changed)
				}
			case known != nil:
				kind = kindDir
			default:
				kind = kindDir
				fresh = append(fresh, s.newFolder(f, name))
			}
			pb.add(h, kind, 0)
		case typeOther:
			pb.add(h, kindSkipDir, 0)
		default:
			files++
			relevant := s.fileRelevant(f, name)
			kind, state := s.pollFile(i, name, relevant)
			pb.add(h, kind, state)
			if name == ".gitignore" && !s.opts.NoGitignore {
				ignoreChanged = true
			}
			if relevant && !quiet {
				s.deb.add(s.filePath(f, name), now)
				changed = true
			}
		}
	}

	// Entries that were there last time and are not any more.
	if rest == nil {
		for k := matched; k < len(ps.names); k++ {
			gone(k)
		}
	} else {
		for _, k := range rest {
			gone(k)
		}
	}
	s.dl.close()

	ps.store(pb)
	s.setFiles(f, files)
	if lostSomething && !quiet {
		s.deb.add(s.folderPath(f), now)
		changed = true
	}
	if changed && !quiet {
		s.makeHot(f, now)
	}
	if ignoreChanged && !quiet {
		s.ignoreChanged(f)
	}
	for _, d := range fresh {
		s.addTree(d, !quiet, now)
	}
}

var gitignoreHash = nameHash(".gitignore")

// childByHash finds the known subfolder of f whose name has hash h.
func childByHash(f *folder, h uint64) *folder {
	for c := f.kids; c != nil; c = c.next {
		if nameHash(c.name) == h {
			return c
		}
	}
	return nil
}
