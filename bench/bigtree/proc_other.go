//go:build !linux

package main

import (
	"syscall"
	"time"
)

// Without /proc, RSS is the peak from getrusage (bytes on macOS) and external commands are
// not measured in CPU or memory.
func rssKB() int { return peakRSSKB() }
func peakRSSKB() int {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return int(ru.Maxrss / 1024)
}

func procRSSKB(pid int) int         { return 0 }
func procPeakRSSKB(pid int) int     { return 0 }
func procCPU(pid int) time.Duration { return 0 }
