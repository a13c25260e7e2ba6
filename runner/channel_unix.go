//go:build unix

package runner

import (
	"os"
	"syscall"
)

// channelPair makes the child channel of one generation: an AF_UNIX stream socketpair whose
// parent end is pollable (closing it wakes a pending read) and whose child end is a raw fd to
// hand to startGroup. Both are close-on-exec: no other child may inherit them.
func channelPair() (parent *os.File, child uintptr, err error) {
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, 0, os.NewSyscallError("socketpair", err)
	}
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		syscall.Close(fds[0])
		syscall.Close(fds[1])
		return nil, 0, os.NewSyscallError("setnonblock", err)
	}
	return os.NewFile(uintptr(fds[0]), "devrun-channel"), uintptr(fds[1]), nil
}

func closeFD(fd uintptr) { syscall.Close(int(fd)) }
