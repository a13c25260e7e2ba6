//go:build linux

package watcher

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procInt reads a number under /proc/sys/fs/inotify; -1 if it cannot.
func procInt(name string) int {
	data, err := os.ReadFile("/proc/sys/fs/inotify/" + name)
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return -1
	}
	return n
}

func limitText(n int) string {
	if n < 0 {
		return "unknown"
	}
	return strconv.Itoa(n)
}

// sysctlAdvice is the exact command to raise a sysctl now and for good.
func sysctlAdvice(key string, value int) string {
	return fmt.Sprintf("To raise it: sudo sysctl %s=%d (to keep it after a reboot: "+
		"echo %s=%d | sudo tee /etc/sysctl.d/90-devrun-inotify.conf)", key, value, key, value)
}

func watchLimitProblem(err error) string {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Sprintf("the inotify watch limit was reached: fs.inotify.max_user_watches is %s, "+
			"shared by every program of this user", limitText(procInt("max_user_watches")))
	}
	return fmt.Sprintf("cannot add more inotify watches: %v", err)
}

func watchLimitAdvice(err error, wanted int) string {
	if !errors.Is(err, syscall.ENOSPC) {
		return ""
	}
	v := 524288
	for v < 2*wanted {
		v *= 2
	}
	return fmt.Sprintf("devrun needs one watch per folder, %d here. %s", wanted, sysctlAdvice("fs.inotify.max_user_watches", v))
}

func instanceProblem(err error) string {
	if errors.Is(err, syscall.EMFILE) {
		var rl syscall.Rlimit
		files := "unknown"
		if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
			files = strconv.FormatUint(rl.Cur, 10)
		}
		return fmt.Sprintf("cannot start inotify (%v): the inotify instance limit "+
			"fs.inotify.max_user_instances is %s (every watching program of this user holds some), "+
			"or this process's open-file limit of %s was reached", err, limitText(procInt("max_user_instances")), files)
	}
	return fmt.Sprintf("cannot start inotify: %v", err)
}

func instanceAdvice(err error) string {
	if !errors.Is(err, syscall.EMFILE) {
		return ""
	}
	return sysctlAdvice("fs.inotify.max_user_instances", 1024)
}

func queueLimitText() string {
	return "fs.inotify.max_queued_events is " + limitText(procInt("max_queued_events"))
}
