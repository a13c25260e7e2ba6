package watcher

import (
	"strings"
	"unsafe"
)

// root is one folder root with its patterns compiled relative to it.
type root struct {
	path   string        // absolute, cleaned
	ignore globList      // Options.Ignore
	files  globList      // Options.Files
	outer  []outerIgnore // ignore files above the root
}

// folder is the watcher's whole per-folder state: 64 bytes and its name. There is no
// per-file state while inotify does the watching, and no path: a folder knows its name and
// its parent, and paths are built when needed (reading the folder, reporting a change).
// Subfolders are a singly linked list (kids, then next), searched by name: folders have few
// subfolders, and passes over a folder with many index them first (kidFinder).
type folder struct {
	name   string  // the entry's name in parent; for a top folder (no parent), its absolute path
	parent *folder // nil for a top folder: a root, or the folder of a file root
	kids   *folder // first known subfolder
	next   *folder // next subfolder of parent
	x      *folderExtra
	files  int32  // files found when the folder was last read
	mark   uint32 // generation of the last pass (rescan, poll tick) that visited it
	wd     int32  // the kernel watch's id while the folder owns one (fWatched, not fWatchLost)
	flags  folderFlags
}

// folderExtra holds what few folders need.
type folderExtra struct {
	root *root       // top folders: the root whose patterns apply below
	ign  *ignoreFile // the folder's .gitignore
	poll *pollState  // while polled
	id   fileID      // FollowSymlinks: the real folder, for loop detection
}

type folderFlags uint8

const (
	fWatched      folderFlags = 1 << iota // has a kernel watch (counted in Stats)
	fPolled                               // checked by the poller
	fOnlyExplicit                         // the folder of a file root: only the named files count
	fHasID                                // x.id is set
	fGone                                 // forgotten; stale pointers must skip it
	fHadFiles                             // a file was created in it since it was read
	fWatchLost                            // the kernel dropped the watch, or another folder took its id
)

// fileID identifies a real folder whatever the path it was reached by.
type fileID struct{ dev, ino uint64 }

// mayHoldFiles says whether the folder may hold something, so that its disappearance
// counts as a change.
func (f *folder) mayHoldFiles() bool {
	return f.files > 0 || f.kids != nil || f.flags&fHadFiles != 0
}

func (f *folder) extra() *folderExtra {
	if f.x == nil {
		f.x = &folderExtra{}
	}
	return f.x
}

// top is the root folder f belongs to.
func (f *folder) top() *folder {
	for f.parent != nil {
		f = f.parent
	}
	return f
}

// ownsWatch says whether events carrying f.wd are about f.
func (f *folder) ownsWatch() bool { return f.flags&(fWatched|fWatchLost|fGone) == fWatched }

// appendPath appends the absolute path of f, and of its entry name unless name is "".
// It allocates nothing when b has room: the length is summed first and the path written
// backwards from the folder up to its top.
func appendPath(b []byte, f *folder, name string) []byte {
	n := len(name)
	if name != "" && needsSep(f) {
		n++
	}
	for g := f; g != nil; g = g.parent {
		n += len(g.name)
		if g.parent != nil && needsSep(g.parent) {
			n++
		}
	}
	start := len(b)
	b = append(b, make([]byte, n)...)[:start+n]
	pos := start + n
	if name != "" {
		pos -= copy(b[pos-len(name):], name)
		if needsSep(f) {
			pos--
			b[pos] = '/'
		}
	}
	for g := f; g != nil; g = g.parent {
		pos -= copy(b[pos-len(g.name):], g.name)
		if g.parent != nil && needsSep(g.parent) {
			pos--
			b[pos] = '/'
		}
	}
	return b
}

// needsSep says whether a '/' goes between f's path and a name below it: not after "/".
func needsSep(f *folder) bool { return !(f.parent == nil && strings.HasSuffix(f.name, "/")) }

// appendRel appends f's slash path relative to its top ("" for the top itself).
func appendRel(b []byte, f *folder) []byte {
	if f.parent == nil {
		return b
	}
	if f.parent.parent != nil {
		b = appendRel(b, f.parent)
		b = append(b, '/')
	}
	return append(b, f.name...)
}

// folderPath is the absolute path of f, as a string of its own.
func (s *state) folderPath(f *folder) string { return string(appendPath(s.pathBuf[:0], f, "")) }

// filePath is the absolute path of the entry name of f, as a string of its own.
func (s *state) filePath(f *folder, name string) string {
	return string(appendPath(s.pathBuf[:0], f, name))
}

// tmpPath is the absolute path of f in a buffer reused by the next call: for system calls
// (which copy it) and lookups, never to keep.
func (s *state) tmpPath(f *folder) string {
	s.pathBuf = appendPath(s.pathBuf[:0], f, "")
	return bytesString(s.pathBuf)
}

// child is the known subfolder name of f, or nil.
func (s *state) child(f *folder, name string) *folder {
	for c := f.kids; c != nil; c = c.next {
		if c.name == name {
			return c
		}
	}
	return nil
}

// knownChild is the folder already registered for the entry name of f: a subfolder, or a
// top folder at that path (the folder of a file root, or a root that an ignore hid from an
// outer root), which must not be registered twice.
func (s *state) knownChild(f *folder, name string) *folder {
	if c := s.child(f, name); c != nil {
		return c
	}
	if len(s.tops) > 1 {
		s.pathBuf = appendPath(s.pathBuf[:0], f, name)
		for _, t := range s.tops {
			if t != f && t.flags&fGone == 0 && t.name == bytesString(s.pathBuf) {
				return t
			}
		}
	}
	return nil
}

// lookup finds the known folder at an absolute, cleaned path (start-up and tests only).
func (s *state) lookup(path string) *folder {
	for _, t := range s.tops {
		if t.flags&fGone != 0 {
			continue
		}
		rest, ok := strings.CutPrefix(path, t.name)
		if !ok || rest != "" && needsSep(t) && rest[0] != '/' {
			continue
		}
		f := t
		for _, name := range strings.Split(rest, "/") {
			if name != "" && f != nil {
				f = s.child(f, name)
			}
		}
		if f != nil {
			return f
		}
	}
	return nil
}

// kidFinder finds the subfolders of one folder by name during a pass over its entries,
// through a map when there are many (a pass would otherwise be quadratic).
type kidFinder struct {
	f *folder
	m map[string]*folder
}

const kidMapAbove = 32

func newKidFinder(f *folder) kidFinder {
	k := kidFinder{f: f}
	n := 0
	for c := f.kids; c != nil && n <= kidMapAbove; c = c.next {
		n++
	}
	if n > kidMapAbove {
		k.m = make(map[string]*folder)
		for c := f.kids; c != nil; c = c.next {
			k.m[c.name] = c
		}
	}
	return k
}

// find is the known subfolder name, or a top folder at its path; nil when there is none.
func (s *state) find(k *kidFinder, name string) *folder {
	if k.m == nil {
		return s.knownChild(k.f, name)
	}
	if c := k.m[name]; c != nil && c.flags&fGone == 0 {
		return c
	}
	if len(s.tops) > 1 {
		return s.knownChild(k.f, name)
	}
	return nil
}

// newFolder registers the subfolder name of parent (the name is copied); the caller walks it.
func (s *state) newFolder(parent *folder, name string) *folder {
	f := &folder{name: strings.Clone(name), parent: parent, next: parent.kids}
	parent.kids = f
	return f
}

// newTop registers a top folder: a root, or the folder of a file root.
func (s *state) newTop(path string, r *root) *folder {
	f := &folder{name: path, x: &folderExtra{root: r}}
	s.tops = append(s.tops, f)
	return f
}

// forget drops f and every folder below it: watches removed, polling stopped.
func (s *state) forget(f *folder) {
	if f.flags&fGone != 0 {
		return
	}
	if p := f.parent; p != nil {
		if p.kids == f {
			p.kids = f.next
		} else {
			for c := p.kids; c != nil; c = c.next {
				if c.next == f {
					c.next = f.next
					break
				}
			}
		}
	}
	stack := append(s.dropStack[:0], f)
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := g.kids; c != nil; c = c.next {
			stack = append(stack, c)
		}
		s.drop(g)
	}
	clear(stack[:cap(stack)])
	s.dropStack = stack[:0]
}

// drop releases what g holds. Its links stay: stale pointers (a poll list, a pass's stack)
// see fGone and skip it.
func (s *state) drop(g *folder) {
	g.flags |= fGone
	if g.flags&fWatched != 0 {
		if g.flags&fWatchLost == 0 {
			// The kernel may have dropped the watch already (the folder was deleted); the
			// error then only says so.
			_ = s.n.Remove(g.wd)
			s.wds.remove(g)
		}
		s.w.folders.Add(-1)
	}
	if g.flags&fPolled != 0 {
		g.x.poll = nil
		s.w.polled.Add(-1)
	}
	if g.flags&fHasID != 0 && s.visited[g.x.id] == g {
		delete(s.visited, g.x.id)
	}
	s.setFiles(g, 0)
}

// setFiles records how many files a folder held when it was last read.
func (s *state) setFiles(f *folder, n int) {
	if d := int64(n) - int64(f.files); d != 0 {
		s.w.files.Add(d)
		f.files = int32(n)
	}
}

// bytesString is b as a string without a copy: valid while b is not written to.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
