//go:build !unix

package config

import "syscall"

// signalNumber knows no signals: devrun stops children with process-group signals, which
// only Unix has.
func signalNumber(string) (syscall.Signal, bool) { return 0, false }
