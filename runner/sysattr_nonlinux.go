//go:build unix && !linux

package runner

import "syscall"

// groupSysProcAttr: a group of its own. There is no Pdeathsig here; the guardian covers the
// case of the host dying.
func groupSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// becomeSubreaper: no such thing outside Linux; orphans go to launchd/init, which reaps them.
func becomeSubreaper() error { return nil }
