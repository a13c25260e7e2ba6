package watcher

import "strings"

// root is one folder root with its patterns compiled relative to it.
type root struct {
	path   string        // absolute, cleaned
	ignore globList      // Options.Ignore
	files  globList      // Options.Files
	outer  []outerIgnore // ignore files above the root
}

// folder is the watcher's whole per-folder state. There is no per-file state while inotify
// does the watching: a folder costs one of these, its path (shared with fsnotify's own map)
// and a map entry, about 150 bytes.
type folder struct {
	path   string
	parent *folder // nil for a root's top folder
	root   *root
	x      *folderExtra // nil for most folders
	subs   int32        // known subfolders, so that forgetting a leaf needs no search
	files  int32        // files found when the folder was last read
	mark   uint32       // generation of the last pass (rescan, poll tick) that visited it
	flags  folderFlags
}

// folderExtra holds what few folders need.
type folderExtra struct {
	ign  *ignoreFile // the folder's .gitignore
	poll *pollState  // while polled
	id   fileID      // FollowSymlinks: the real folder, for loop detection
}

type folderFlags uint8

const (
	fWatched      folderFlags = 1 << iota // has a kernel watch
	fPolled                               // checked by the poller
	fOnlyExplicit                         // the folder of a file root: only the named files count
	fHasID                                // x.id is set
	fGone                                 // forgotten; stale pointers must skip it
	fHadFiles                             // a file was created in it since it was read
)

// fileID identifies a real folder whatever the path it was reached by.
type fileID struct{ dev, ino uint64 }

// mayHoldFiles says whether the folder may hold something, so that its disappearance
// counts as a change.
func (f *folder) mayHoldFiles() bool {
	return f.files > 0 || f.subs > 0 || f.flags&fHadFiles != 0
}

func (f *folder) extra() *folderExtra {
	if f.x == nil {
		f.x = &folderExtra{}
	}
	return f.x
}

// rel is the folder's slash path relative to its root, "" for the root itself.
func (f *folder) rel() string {
	rp := f.root.path
	switch {
	case len(f.path) <= len(rp):
		return ""
	case strings.HasSuffix(rp, "/"):
		return f.path[len(rp):]
	}
	return f.path[len(rp)+1:]
}

// join is the path of the entry name in folder f.
func (f *folder) join(name string) string {
	if strings.HasSuffix(f.path, "/") {
		return f.path + name
	}
	return f.path + "/" + name
}

// newFolder registers a folder; the caller walks it.
func (s *state) newFolder(parent *folder, path string, r *root) *folder {
	f := &folder{path: path, parent: parent, root: r}
	s.folders[path] = f
	if parent != nil {
		parent.subs++
	}
	return f
}

// forget drops f and every folder below it: watches removed, polling stopped.
func (s *state) forget(f *folder) {
	if f.flags&fGone != 0 {
		return
	}
	if f.subs > 0 {
		prefix := f.join("")
		var below []*folder
		for p, g := range s.folders {
			if strings.HasPrefix(p, prefix) {
				below = append(below, g)
			}
		}
		for _, g := range below {
			s.drop(g)
		}
	}
	s.drop(f)
}

func (s *state) drop(g *folder) {
	if g.flags&fGone != 0 {
		return
	}
	g.flags |= fGone
	if s.folders[g.path] == g {
		delete(s.folders, g.path)
	}
	if g.parent != nil {
		g.parent.subs--
	}
	if g.flags&fWatched != 0 {
		// The kernel may have dropped the watch already (the folder was deleted); the error
		// then only says so.
		_ = s.n.Remove(g.path)
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

// children lists the known subfolders of every folder, for passes that compare a folder's
// entries with what the watcher knows (rescans).
func (s *state) children() map[*folder][]*folder {
	kids := make(map[*folder][]*folder)
	for _, f := range s.folders {
		if f.parent != nil {
			kids[f.parent] = append(kids[f.parent], f)
		}
	}
	return kids
}
