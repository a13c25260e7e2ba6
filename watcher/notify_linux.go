//go:build linux

package watcher

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inotify is the Linux backend, on inotify directly rather than through fsnotify: events
// carry the watch id, which the state maps to its folder, so no path is kept per folder
// (fsnotify keeps two maps of paths, 40% of the watcher's memory on a big tree), and adding
// a watch allocates nothing.
type inotify struct {
	fd     int
	file   *os.File // the same descriptor, read through the runtime's poller
	pathz  []byte   // Add's path with a NUL
	events chan []event
	errs   chan error
	done   chan struct{}
	exited chan struct{}
	once   sync.Once
}

// watchMask is what a folder's watch reports: its entries created, written, deleted, moved
// in and out, and their attributes (touch); and the folder itself deleted or moved.
// IN_ONLYDIR: a folder replaced by a file meanwhile is not watched as a file.
const watchMask = unix.IN_CREATE | unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_DELETE | unix.IN_MOVED_FROM |
	unix.IN_MOVED_TO | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR

func newKernelNotifier() (notifier, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify_init1: %w", err)
	}
	n := &inotify{
		fd:     fd,
		file:   os.NewFile(uintptr(fd), "inotify"),
		events: make(chan []event, 4),
		errs:   make(chan error, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	go n.read()
	return n, nil
}

func (n *inotify) Add(path string) (int32, error) {
	n.pathz = append(append(n.pathz[:0], path...), 0)
	for {
		wd, _, e := unix.Syscall(unix.SYS_INOTIFY_ADD_WATCH, uintptr(n.fd),
			uintptr(unsafe.Pointer(&n.pathz[0])), watchMask)
		switch e {
		case 0:
			return int32(wd), nil
		case unix.EINTR:
			continue
		}
		return -1, e
	}
}

func (n *inotify) Remove(wd int32) error {
	_, err := unix.InotifyRmWatch(n.fd, uint32(wd))
	return err
}

func (n *inotify) Events() <-chan []event { return n.events }
func (n *inotify) Errors() <-chan error   { return n.errs }

func (n *inotify) Close() error {
	var err error
	n.once.Do(func() {
		close(n.done)
		err = n.file.Close() // wakes the reader
		<-n.exited
	})
	return err
}

// read hands the loop the kernel's events, a read at a time. Waiting for the loop to take
// them, it stops reading, and the kernel's queue holds the rest (an overflow is reported).
func (n *inotify) read() {
	defer close(n.exited)
	defer close(n.errs)
	defer close(n.events)
	buf := make([]byte, eventReadSize)
	for {
		k, err := n.file.Read(buf)
		if err != nil || k == 0 {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			// A read error other than Close does not happen on a sane kernel; say it once
			// and stop rather than spin.
			select {
			case n.errs <- fmt.Errorf("reading inotify events: %w; changes are no longer seen", err):
			case <-n.done:
			}
			return
		}
		evs := parseEvents(buf[:k])
		if len(evs) == 0 {
			continue
		}
		select {
		case n.events <- evs:
		case <-n.done:
			return
		}
	}
}

// Offsets in struct inotify_event.
const (
	ieWd   = 0
	ieMask = 4
	ieLen  = 12
	ieName = unix.SizeofInotifyEvent
)

// parseEvents decodes the inotify_event records of one read.
func parseEvents(b []byte) []event {
	var evs []event
	for len(b) >= ieName {
		wd := int32(binary.NativeEndian.Uint32(b[ieWd:]))
		mask := binary.NativeEndian.Uint32(b[ieMask:])
		end := ieName + int(binary.NativeEndian.Uint32(b[ieLen:]))
		if end > len(b) {
			break
		}
		name := b[ieName:end]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		b = b[end:]
		if o := inotifyOp(mask); o != 0 {
			if evs == nil {
				evs = make([]event, 0, 8)
			}
			evs = append(evs, event{wd: wd, op: o, name: string(name)})
		}
	}
	return evs
}

func inotifyOp(mask uint32) op {
	var o op
	if mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
		o |= opCreate
	}
	if mask&unix.IN_MODIFY != 0 {
		o |= opWrite
	}
	if mask&(unix.IN_DELETE|unix.IN_DELETE_SELF) != 0 {
		o |= opRemove
	}
	if mask&(unix.IN_MOVED_FROM|unix.IN_MOVE_SELF) != 0 {
		o |= opRename
	}
	if mask&unix.IN_ATTRIB != 0 {
		o |= opChmod
	}
	if mask&unix.IN_ISDIR != 0 {
		o |= opDir
	}
	if mask&unix.IN_IGNORED != 0 {
		o |= opWatchGone
	}
	if mask&unix.IN_Q_OVERFLOW != 0 {
		o |= opOverflow
	}
	return o
}
