//go:build unix && !linux

package watcher

import (
	"os"

	"golang.org/x/sys/unix"
)

// dirList reads one folder at a time (see dirlist_linux.go); here through os.File.ReadDir,
// which allocates per entry but is portable across the BSDs and macOS.
type dirList struct {
	f     *os.File
	fd    int
	names []byte
	ents  []dirEnt
}

func (d *dirList) open(path string) error {
	d.names, d.ents = d.names[:0], d.ents[:0]
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	list, err := f.ReadDir(-1)
	if err != nil {
		f.Close()
		return err
	}
	d.f, d.fd = f, int(f.Fd())
	for _, e := range list {
		typ := typeOther
		switch t := e.Type(); {
		case t.IsRegular():
			typ = typeFile
		case t.IsDir():
			typ = typeDir
		case t&os.ModeSymlink != 0:
			typ = typeSymlink
		}
		name := e.Name()
		d.ents = append(d.ents, dirEnt{off: uint32(len(d.names)), n: uint32(len(name)), typ: typ})
		d.names = append(d.names, name...)
	}
	return nil
}

func (d *dirList) close() {
	if d.f != nil {
		d.f.Close()
	}
	d.f, d.fd = nil, -1
}

func (d *dirList) len() int { return len(d.ents) }

func (d *dirList) name(i int) string {
	e := d.ents[i]
	return string(d.names[e.off : e.off+e.n])
}

func (d *dirList) stat(i int, follow bool) (fileInfo, error) {
	flags := unix.AT_SYMLINK_NOFOLLOW
	if follow {
		flags = 0
	}
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, d.name(i), &st, flags); err != nil {
		return fileInfo{}, err
	}
	return fromStat(&st), nil
}

func (d *dirList) statSelf() (fileInfo, error) {
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil {
		return fileInfo{}, err
	}
	return fromStat(&st), nil
}
