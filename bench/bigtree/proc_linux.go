package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

func rssKB() int     { return statusKB("self", "VmRSS:") }
func peakRSSKB() int { return statusKB("self", "VmHWM:") }

func procRSSKB(pid int) int     { return statusKB(strconv.Itoa(pid), "VmRSS:") }
func procPeakRSSKB(pid int) int { return statusKB(strconv.Itoa(pid), "VmHWM:") }

// statusKB reads a "Vm...: N kB" line of /proc/<pid>/status.
func statusKB(pid, key string) int {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

// procCPU is the user + system CPU time of a process, from /proc/<pid>/stat (in clock ticks,
// 100 a second on Linux).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	// The command name may hold spaces; fields resume after its closing parenthesis.
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
