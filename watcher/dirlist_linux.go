//go:build linux

package watcher

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dirList reads one folder at a time into buffers reused from folder to folder: on Linux
// straight from getdents64, and it stats entries with statx relative to the open folder, so
// walking and polling 100,000 files allocates nothing per file.
type dirList struct {
	fd     int
	isOpen bool     // fd is an open folder
	pathz  []byte   // the folder's path with a NUL, for openat without allocating
	buf    []byte   // getdents64 buffer
	names  []byte   // entry names, each followed by a NUL for statx
	ents   []dirEnt // entries of the open folder, "." and ".." left out
	sx     unix.Statx_t
}

// Offsets in struct linux_dirent64, the same on every architecture.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

// open reads every entry of the folder at path and keeps it open for stat until close.
func (d *dirList) open(path string) error {
	d.names, d.ents = d.names[:0], d.ents[:0]
	d.pathz = append(append(d.pathz[:0], path...), 0)
	fd, err := openDir(d.pathz)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	d.fd, d.isOpen = fd, true
	if d.buf == nil {
		d.buf = make([]byte, 32<<10)
	}
	for {
		n, err := unix.Getdents(fd, d.buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			d.close()
			return &os.PathError{Op: "readdir", Path: path, Err: err}
		}
		if n <= 0 {
			return nil
		}
		d.parse(d.buf[:n])
	}
}

// openDir opens a folder; pathz ends with a NUL (unix.Open would copy the path).
func openDir(pathz []byte) (int, error) {
	for {
		atFDCWD := unix.AT_FDCWD
		fd, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(&pathz[0])),
			uintptr(unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC), 0, 0, 0)
		switch e {
		case 0:
			return int(fd), nil
		case unix.EINTR:
			continue
		}
		return -1, e
	}
}

func (d *dirList) parse(b []byte) {
	for len(b) >= direntName {
		reclen := int(binary.NativeEndian.Uint16(b[direntReclen:]))
		if reclen < direntName || reclen > len(b) {
			return
		}
		name := b[direntName:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		typ := direntTypes[b[direntType]&15]
		b = b[reclen:]
		if len(name) == 0 || name[0] == '.' && (len(name) == 1 || len(name) == 2 && name[1] == '.') {
			continue
		}
		d.ents = append(d.ents, dirEnt{off: uint32(len(d.names)), n: uint32(len(name)), typ: typ})
		d.names = append(d.names, name...)
		d.names = append(d.names, 0)
	}
}

// direntTypes maps d_type (DT_*) to entType.
var direntTypes = [16]entType{
	unix.DT_UNKNOWN: typeUnknown,
	unix.DT_FIFO:    typeOther,
	unix.DT_CHR:     typeOther,
	unix.DT_DIR:     typeDir,
	unix.DT_BLK:     typeOther,
	unix.DT_REG:     typeFile,
	unix.DT_LNK:     typeSymlink,
	unix.DT_SOCK:    typeOther,
}

func (d *dirList) close() {
	if d.isOpen {
		unix.Close(d.fd)
	}
	d.isOpen = false
}

func (d *dirList) len() int { return len(d.ents) }

// name is entry i's name; the string shares the arena and is valid until the next open.
func (d *dirList) name(i int) string {
	e := d.ents[i]
	if e.n == 0 {
		return ""
	}
	return unsafe.String(&d.names[e.off], int(e.n))
}

// stat stats entry i, following a symlink when follow is set.
func (d *dirList) stat(i int, follow bool) (fileInfo, error) {
	flags := unix.AT_SYMLINK_NOFOLLOW
	if follow {
		flags = 0
	}
	e := d.ents[i]
	return d.statx(&d.names[e.off], d.name(i), flags)
}

// statSelf stats the open folder itself.
func (d *dirList) statSelf() (fileInfo, error) {
	return d.statx(&emptyName[0], "", unix.AT_EMPTY_PATH)
}

var emptyName = [1]byte{0}

// statxMissing is set when the kernel has no statx (before 4.11, some sandboxes).
var statxMissing atomic.Bool

const statxMask = unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_INO | unix.STATX_SIZE |
	unix.STATX_MTIME | unix.STATX_CTIME

// statx calls statx with a name that is already NUL-terminated in the arena, which
// unix.Statx would copy.
func (d *dirList) statx(namez *byte, name string, flags int) (fileInfo, error) {
	if !statxMissing.Load() {
		for {
			_, _, e := unix.Syscall6(unix.SYS_STATX, uintptr(d.fd), uintptr(unsafe.Pointer(namez)),
				uintptr(flags), statxMask, uintptr(unsafe.Pointer(&d.sx)), 0)
			if e == unix.EINTR {
				continue
			}
			if e == unix.ENOSYS {
				statxMissing.Store(true)
				break
			}
			if e != 0 {
				return fileInfo{}, e
			}
			sx := &d.sx
			return fileInfo{
				typ:   modeType(uint32(sx.Mode)),
				size:  int64(sx.Size),
				mtime: sx.Mtime.Sec*1e9 + int64(sx.Mtime.Nsec),
				ctime: sx.Ctime.Sec*1e9 + int64(sx.Ctime.Nsec),
				ino:   sx.Ino,
				dev:   unix.Mkdev(sx.Dev_major, sx.Dev_minor),
			}, nil
		}
	}
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, flags); err != nil {
		return fileInfo{}, err
	}
	return fromStat(&st), nil
}
