package runner

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"hash/maphash"
	"os"
)

// binarySum hashes a built program with its build ID masked. The go command derives the build
// ID from the build's inputs, so it changes with every edit, a reworded comment included, while
// the rest of the file only changes when the compiled program does: equal sums mean there is
// nothing new to run. Whatever cannot be parsed is hashed whole, which at worst restarts.
//
// maphash rather than a cryptographic hash: this may run between the build and the start, and
// a binary is megabytes; the sums are only compared within one devrun.
func binarySum(path string) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	maskBuildID(data)
	return maphash.Bytes(sumSeed, data), nil
}

var sumSeed = maphash.MakeSeed()

// maskBuildID zeroes, in place, the parts of an executable that derive from its build ID: on
// ELF the Go and GNU build-id notes; on Mach-O the Go build ID string at the start of the text,
// the LC_UUID the linker computes from it, and the ad-hoc code signature (arm64), whose page
// hashes cover the rest of the file anyway.
func maskBuildID(data []byte) {
	if f, err := elf.NewFile(bytes.NewReader(data)); err == nil {
		for _, s := range f.Sections {
			if s.Type == elf.SHT_NOTE && (s.Name == ".note.go.buildid" || s.Name == ".note.gnu.build-id") {
				zeroRange(data, s.Offset, s.Size)
			}
		}
		return
	}
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		return
	}
	const lcUUID, lcCodeSignature = 0x1b, 0x1d
	for _, l := range f.Loads {
		raw := l.Raw()
		switch {
		case len(raw) >= 24 && f.ByteOrder.Uint32(raw) == lcUUID:
			if i := bytes.Index(data, raw); i >= 0 {
				clear(data[i+8 : i+24])
			}
		case len(raw) >= 16 && f.ByteOrder.Uint32(raw) == lcCodeSignature:
			zeroRange(data, uint64(f.ByteOrder.Uint32(raw[8:])), uint64(f.ByteOrder.Uint32(raw[12:])))
		}
	}
	marker := []byte("\xff Go build ID: \"")
	if i := bytes.Index(data, marker); i >= 0 {
		start := i + len(marker)
		if end := bytes.IndexByte(data[start:], '"'); end > 0 {
			id := append([]byte(nil), data[start:start+end]...)
			for j := bytes.Index(data, id); j >= 0; j = bytes.Index(data, id) {
				clear(data[j : j+len(id)])
			}
		}
	}
}

func zeroRange(data []byte, off, size uint64) {
	if off < uint64(len(data)) {
		clear(data[off:min(off+size, uint64(len(data)))])
	}
}
