package watcher

import (
	"fmt"
	"testing"
)

func TestPaths(t *testing.T) {
	for _, top := range []string{"/", "/r", "/r/s"} {
		s := newState(Options{}, hooks{}, &Watcher{})
		r := &root{path: top}
		tf := s.newTop(top, r)
		a := s.newFolder(tf, "a")
		b := s.newFolder(a, "b")
		sep := "/"
		if top == "/" {
			sep = ""
		}
		for _, c := range []struct{ got, want string }{
			{s.folderPath(tf), top},
			{s.folderPath(b), top + sep + "a/b"},
			{s.filePath(b, "x.go"), top + sep + "a/b/x.go"},
			{s.filePath(tf, "x.go"), top + sep + "x.go"},
			{s.tmpPath(a), top + sep + "a"},
			{string(appendRel(nil, b)), "a/b"},
			{string(appendRel(nil, tf)), ""},
			{s.relPath(b, "x.go"), "a/b/x.go"},
			{s.relPath(tf, "x.go"), "x.go"},
		} {
			if c.got != c.want {
				t.Errorf("top %q: got %q, want %q", top, c.got, c.want)
			}
		}
		if s.lookup(top+sep+"a/b") != b || s.lookup(top) != tf || s.lookup(top+sep+"a/c") != nil {
			t.Errorf("top %q: lookup", top)
		}
		if top == "/r" && s.lookup("/rr/a") != nil {
			t.Error("lookup matched a name prefix")
		}
		s.forget(a)
		if tf.kids != nil || a.flags&fGone == 0 || b.flags&fGone == 0 {
			t.Errorf("top %q: forget left %v %v %v", top, tf.kids, a.flags, b.flags)
		}
	}
}

func TestKidFinder(t *testing.T) {
	s := newState(Options{}, hooks{}, &Watcher{})
	top := s.newTop("/r", &root{path: "/r"})
	for _, n := range []int{3, kidMapAbove + 5} {
		f := s.newFolder(top, fmt.Sprint("f", n))
		for i := 0; i < n; i++ {
			s.newFolder(f, fmt.Sprint("k", i))
		}
		k := newKidFinder(f)
		if (k.m != nil) != (n > kidMapAbove) {
			t.Errorf("%d kids: map %v", n, k.m != nil)
		}
		gone := s.child(f, "k1")
		s.forget(gone)
		if c := s.find(&k, "k2"); c == nil || c.name != "k2" {
			t.Errorf("%d kids: k2 not found", n)
		}
		if s.find(&k, "k1") != nil || s.find(&k, "nope") != nil {
			t.Errorf("%d kids: found a forgotten or missing folder", n)
		}
	}
}

func TestWdTable(t *testing.T) {
	var tb wdTable
	folders := map[int32]*folder{}
	add := func(wd int32) *folder {
		f := &folder{wd: wd, flags: fWatched}
		folders[wd] = f
		tb.insert(f)
		return f
	}
	for wd := int32(1); wd <= 200; wd++ {
		add(wd * 2)
	}
	odd := add(7) // out of order
	if tb.find(7) != odd || tb.find(8) != folders[8] || tb.find(9) != nil || tb.find(401) != nil {
		t.Fatal("find after inserts")
	}
	// The same id again: the folder added last owns it.
	again := add(8)
	if tb.find(8) != again || folders[8] != again {
		t.Fatal("the new owner of a reused id is not found")
	}
	// Removing most folders compacts the table; the others are still found.
	for wd := int32(10); wd <= 400; wd += 2 {
		f := tb.find(wd)
		f.flags |= fGone
		tb.remove(f)
	}
	if tb.find(10) != nil || tb.find(2) == nil || tb.find(7) != odd || tb.find(8) != again {
		t.Fatal("find after removals")
	}
	// 5 live folders: tombstones are at most 64 or as many as the live ones.
	if len(tb.list) > 5+64 {
		t.Errorf("table not compacted: %d entries", len(tb.list))
	}
	lost := tb.find(4)
	lost.flags |= fWatchLost // the kernel dropped it
	tb.remove(lost)
	if tb.find(4) != nil {
		t.Error("a lost watch is still found")
	}
}
