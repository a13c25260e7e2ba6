//go:build linux

package watcher

import (
	"encoding/binary"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// rawEvent encodes an inotify_event as the kernel does: the name NUL-padded to 16 bytes.
func rawEvent(wd int32, mask uint32, name string) []byte {
	n := 0
	if name != "" {
		n = (len(name) + 1 + 15) / 16 * 16
	}
	b := make([]byte, unix.SizeofInotifyEvent+n)
	binary.NativeEndian.PutUint32(b[0:], uint32(wd))
	binary.NativeEndian.PutUint32(b[4:], mask)
	binary.NativeEndian.PutUint32(b[12:], uint32(n))
	copy(b[unix.SizeofInotifyEvent:], name)
	return b
}

func TestParseEvents(t *testing.T) {
	var buf []byte
	for _, e := range []struct {
		wd   int32
		mask uint32
		name string
	}{
		{1, unix.IN_CREATE | unix.IN_ISDIR, "sub"},
		{1, unix.IN_MOVED_TO, "main.go"},
		{1, unix.IN_MODIFY, "a-name-of-exactly-32-characters!"},
		{2, unix.IN_DELETE_SELF, ""},
		{2, unix.IN_UNMOUNT, ""}, // nothing the watcher acts on: left out
		{2, unix.IN_IGNORED, ""},
		{3, unix.IN_MOVED_FROM | unix.IN_ISDIR, "old"},
		{3, unix.IN_MOVE_SELF, ""},
		{3, unix.IN_ATTRIB, "x"},
		{-1, unix.IN_Q_OVERFLOW, ""},
	} {
		buf = append(buf, rawEvent(e.wd, e.mask, e.name)...)
	}
	buf = append(buf, rawEvent(4, unix.IN_DELETE, "cut short")[:20]...) // a partial record
	got := fmt.Sprint(parseEvents(buf))
	want := fmt.Sprint([]event{
		{1, opCreate | opDir, "sub"},
		{1, opCreate, "main.go"},
		{1, opWrite, "a-name-of-exactly-32-characters!"},
		{2, opRemove, ""},
		{2, opWatchGone, ""},
		{3, opRename | opDir, "old"},
		{3, opRename, ""},
		{3, opChmod, "x"},
		{-1, opOverflow, ""},
	})
	if got != want {
		t.Errorf("parsed\n%s\nwant\n%s", got, want)
	}
}
