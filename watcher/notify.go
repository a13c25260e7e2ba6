package watcher

// notifier is the boundary to the kernel's notification API (inotify on Linux, fsnotify's
// kqueue elsewhere). Tests wrap it to inject errors (watch limits) and events (overflows).
// Add and Remove are called from one goroutine at a time (New, then the loop).
type notifier interface {
	// Add watches the folder at path (not recursively) and returns the watch's id, which the
	// events about the folder and its entries carry. The path is only valid during the call.
	// An error wrapping ENOSPC or EMFILE means a kernel limit was reached. The same folder
	// reached by two paths may get the same id.
	Add(path string) (wd int32, err error)
	// Remove drops a watch; an error when the kernel dropped it already is fine.
	Remove(wd int32) error
	// Events delivers the events in the order the kernel reported them, a read at a time.
	// It is closed by Close.
	Events() <-chan []event
	// Errors delivers read errors; events may have been lost.
	Errors() <-chan error
	Close() error
}

// event is one kernel event, about the entry name of the folder watched as wd, or about
// that folder itself when name is "".
type event struct {
	wd   int32
	op   op
	name string
}

type op uint16

const (
	opCreate    op = 1 << iota // created, or moved in
	opWrite                    // content written
	opRemove                   // deleted
	opRename                   // moved away
	opChmod                    // attributes changed (also touch; also a truncation on kqueue)
	opDir                      // the entry is a folder
	opMaybeDir                 // the entry may be a folder (the backend cannot tell)
	opWatchGone                // the kernel dropped the watch (its folder was deleted or unmounted)
	opOverflow                 // the kernel's queue overflowed: events were lost (wd is meaningless)
)

// eventReadSize is how much of the kernel's queue one read takes (an inotify event is 16
// bytes plus its name rounded up to 16).
const eventReadSize = 8 << 10
