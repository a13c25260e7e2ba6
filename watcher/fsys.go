package watcher

// entType is the kind of a directory entry, as far as the watcher cares.
type entType uint8

const (
	typeUnknown entType = iota // the file system did not say; stat to find out
	typeFile                   // a regular file
	typeDir
	typeSymlink
	typeOther // sockets, pipes, devices: never a change worth a restart
)

// fileInfo is what the watcher needs from a stat, read without allocating on Linux.
type fileInfo struct {
	typ   entType
	size  int64
	mtime int64 // nanoseconds since the epoch
	ctime int64 // nanoseconds since the epoch; changes with content and metadata
	ino   uint64
	dev   uint64
}

// changedAt is the latest of mtime and ctime: ctime also moves when a tool restores an old
// mtime (cp -p, tar, rsync -t), so a file whose content changed is newer than a point in time
// by one of the two.
func (fi *fileInfo) changedAt() int64 { return max(fi.mtime, fi.ctime) }

// dirEnt is one entry of a dirList; its name lives in the list's arena.
type dirEnt struct {
	off uint32
	n   uint32
	typ entType
}
