//go:build !linux

package watcher

import "fmt"

func watchLimitProblem(err error) string {
	return fmt.Sprintf("cannot add more file watches (%v): kqueue needs an open file for every watched file and folder", err)
}

func watchLimitAdvice(err error, wanted int) string {
	return "Raise the open-file limit (ulimit -n 65536) before starting devrun, or use polling."
}

func instanceProblem(err error) string {
	return fmt.Sprintf("cannot start watching files: %v", err)
}

func instanceAdvice(err error) string { return "" }

func queueLimitText() string { return "events were lost" }
