//go:build !unix

package cli

import "os/exec"

// detach does nothing here: without sessions, a started devrun ends with its parent's
// console.
func detach(cmd *exec.Cmd) {}
