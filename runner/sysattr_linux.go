package runner

import "syscall"

// groupSysProcAttr: a group of its own (signals reach the whole tree, the terminal's Ctrl-C
// does not), and SIGKILL if the forking thread dies (see startGroup).
func groupSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>.
const prSetChildSubreaper = 36

// becomeSubreaper makes orphans of our children's trees our children, so that drain can reap
// them: where PID 1 does not reap (many containers), they would otherwise stay zombies, and a
// zombie still counts as a member of its group.
func becomeSubreaper() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return errno
	}
	return nil
}
