//go:build unix

package childrpc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// SocketDir returns the folder of the control sockets, creating it if needed:
// $XDG_RUNTIME_DIR/devrun, else <os.TempDir()>/devrun-<uid>. The folder must belong to
// the current user and be closed to group and others (0700): in a shared /tmp anyone
// could otherwise create it first and read or replace the sockets. SocketDir refuses
// a folder that is not, with the reason.
func SocketDir() (string, error) {
	dir := filepath.Join(os.TempDir(), "devrun-"+strconv.Itoa(os.Getuid()))
	if x := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(x) {
		dir = filepath.Join(x, "devrun")
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("childrpc: creating the socket folder: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("childrpc: socket folder: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("childrpc: socket folder %s is not a folder (%v): remove it", dir, fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return "", fmt.Errorf("childrpc: socket folder %s belongs to uid %d, not to you (uid %d): remove it or set XDG_RUNTIME_DIR", dir, st.Uid, os.Getuid())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("childrpc: socket folder %s is open to group or others (mode %04o): run chmod 700 %s", dir, perm, dir)
	}
	return dir, nil
}

// isRefused reports whether a dial found a socket file with no listener behind it.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
