package watcher

import "sort"

// wdTable finds the folder an event is about from its watch id. inotify hands out ids in
// increasing order, so the table is a slice sorted by id that new watches append to: 8 bytes
// a folder, and a binary search per event. A folder that stops owning its id stays in place
// as a tombstone (ownsWatch is false) until tombstones are half the table.
type wdTable struct {
	list []*folder
	dead int
}

func (t *wdTable) search(wd int32) int {
	return sort.Search(len(t.list), func(i int) bool { return t.list[i].wd >= wd })
}

// find is the folder that owns watch id wd, or nil.
func (t *wdTable) find(wd int32) *folder {
	i := t.search(wd)
	if i < len(t.list) && t.list[i].wd == wd && t.list[i].ownsWatch() {
		return t.list[i]
	}
	return nil
}

// insert records that f (fWatched, f.wd set) owns its id. A folder that owned the same id
// loses it: the kernel gives the same id for the same folder reached again, by another path
// (a bind mount) or after a move the watcher did not see; the path added last is the one
// events are reported under.
func (t *wdTable) insert(f *folder) {
	n := len(t.list)
	if n == 0 || t.list[n-1].wd < f.wd {
		t.list = append(t.list, f)
		return
	}
	i := t.search(f.wd)
	if i < n && t.list[i].wd == f.wd {
		if old := t.list[i]; old.ownsWatch() {
			old.flags |= fWatchLost
		} else {
			t.dead--
		}
		t.list[i] = f
		return
	}
	t.list = append(t.list, nil)
	copy(t.list[i+1:], t.list[i:])
	t.list[i] = f
}

// remove notes that f no longer owns its id; call it before or after f stops owning it.
func (t *wdTable) remove(f *folder) {
	i := t.search(f.wd)
	if i >= len(t.list) || t.list[i] != f {
		return
	}
	t.dead++
	if t.dead > 64 && 2*t.dead > len(t.list) {
		t.compact()
	}
}

func (t *wdTable) compact() {
	kept := t.list[:0]
	for _, f := range t.list {
		if f.ownsWatch() {
			kept = append(kept, f)
		}
	}
	clear(t.list[len(kept):])
	t.list = kept
	t.dead = 0
	if cap(t.list) > 2*len(t.list)+64 {
		t.list = append([]*folder(nil), t.list...)
	}
}
