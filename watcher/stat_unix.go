//go:build unix

package watcher

import "golang.org/x/sys/unix"

func platformSupported() error { return nil }

// modeType maps the S_IFMT bits of a mode to entType.
func modeType(mode uint32) entType {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return typeFile
	case unix.S_IFDIR:
		return typeDir
	case unix.S_IFLNK:
		return typeSymlink
	}
	return typeOther
}

func fromStat(st *unix.Stat_t) fileInfo {
	return fileInfo{
		typ:   modeType(uint32(st.Mode)),
		size:  st.Size,
		mtime: st.Mtim.Nano(),
		ctime: st.Ctim.Nano(),
		ino:   uint64(st.Ino),
		dev:   uint64(st.Dev),
	}
}

// lstatPath stats a path without following a final symlink.
func lstatPath(p string) (fileInfo, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return fileInfo{}, err
	}
	return fromStat(&st), nil
}

// statPath stats a path, following symlinks.
func statPath(p string) (fileInfo, error) {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return fileInfo{}, err
	}
	return fromStat(&st), nil
}
