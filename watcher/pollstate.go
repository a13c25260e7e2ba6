package watcher

import "hash/maphash"

// pollState is what a polled folder looked like when last read: per entry, in the order the
// folder lists them, a 64-bit hash of the name and 32 bits of meta (a 30-bit hash of size,
// mtime and inode, and the entry's kind). 12 bytes a file and no names: a deleted file is
// known to be gone but not by name, so the batch lists its folder.
type pollState struct {
	names []uint64
	meta  []uint32
}

// Entry kinds.
const (
	kindSkipFile uint32 = iota // a file that does not count: never statted
	kindFile                   // a file that counts (or a .gitignore): statted and compared
	kindDir                    // a subfolder, polled on its own
	kindSkipDir                // an ignored subfolder, or a socket, pipe or device
)

func metaKind(m uint32) uint32 { return m & 3 }

func isFileKind(k uint32) bool { return k == kindFile || k == kindSkipFile }

// pollBuilder collects the next state of a folder in buffers reused from folder to folder;
// store then copies it into the folder's own, exactly sized, slices.
type pollBuilder struct {
	names []uint64
	meta  []uint32
}

func (b *pollBuilder) reset() { b.names, b.meta = b.names[:0], b.meta[:0] }

func (b *pollBuilder) add(hash uint64, kind, state uint32) {
	b.names = append(b.names, hash)
	b.meta = append(b.meta, state<<2|kind)
}

func (p *pollState) reset() { p.names, p.meta = p.names[:0], p.meta[:0] }

func (p *pollState) store(b *pollBuilder) {
	n := len(b.names)
	if cap(p.names) < n || cap(p.names) > 2*n+8 {
		p.names = make([]uint64, n)
		p.meta = make([]uint32, n)
	}
	p.names = p.names[:n]
	p.meta = p.meta[:n]
	copy(p.names, b.names)
	copy(p.meta, b.meta)
}

var nameSeed = maphash.MakeSeed()

func nameHash(name string) uint64 { return maphash.String(nameSeed, name) }

// stateHash condenses what a content change moves: size, mtime, and the inode (an atomic
// save replaces the file). Not ctime: a chmod alone is not a change.
func stateHash(fi *fileInfo) uint32 {
	x := uint64(fi.size)*0x9e3779b97f4a7c15 ^ uint64(fi.mtime) ^ fi.ino*0xc2b2ae3d27d4eb4f
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	return uint32(x) >> 2
}
