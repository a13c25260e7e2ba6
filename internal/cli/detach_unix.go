//go:build unix

package cli

import (
	"os/exec"
	"syscall"
)

// detach gives a devrun started by the MCP server its own session: it outlives the server
// and the agent. Its output is kept by devrun itself for logs; a pipe to us would break
// when we exit.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
