//go:build unix

package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// shimTarget is what the exec shim runs, passed in its environment as JSON.
type shimTarget struct {
	Path string   `json:"path"`
	Argv []string `json:"argv"`
}

// viaShim turns spec into a start of the host executable as an exec shim that sets
// LISTEN_PID to its own pid, which the program keeps across exec. The fds, the directory and
// Pdeathsig (which survives exec) stay as they are.
func viaShim(spec *procSpec) (*procSpec, error) {
	if _, ok := os.LookupEnv(envShim); ok {
		// We are a shim that was not recognised: another one would recurse forever.
		return nil, errors.New("this program did not call runner.RunShimIfRequested first")
	}
	exe, err := selfExecutable()
	if err != nil {
		return nil, fmt.Errorf("cannot find devrun's own executable for the exec shim: %w", err)
	}
	target, err := json.Marshal(shimTarget{Path: spec.path, Argv: spec.argv})
	if err != nil {
		return nil, err
	}
	env := append(spec.env[:len(spec.env):len(spec.env)], envShim+"="+string(target))
	return &procSpec{path: exe, argv: spec.argv[:1], env: env, dir: spec.dir, files: spec.files}, nil
}

func runShim(target string) {
	var t shimTarget
	if err := json.Unmarshal([]byte(target), &t); err != nil || t.Path == "" || len(t.Argv) == 0 {
		fmt.Fprintf(os.Stderr, "devrun: exec shim: bad %s\n", envShim)
		os.Exit(127)
	}
	env := withoutVars(os.Environ(), []string{envShim, envListenPID})
	env = append(env, envListenPID+"="+strconv.Itoa(os.Getpid()))
	err := syscall.Exec(t.Path, t.Argv, env)
	fmt.Fprintf(os.Stderr, "devrun: cannot start %s: %v\n", t.Path, err)
	os.Exit(127)
}

// selfExecutable is how to start this program again. On Linux /proc/self/exe still works
// when the file was replaced or removed since we started (a rebuilt devrun).
func selfExecutable() (string, error) {
	if runtime.GOOS == "linux" {
		if _, err := os.Stat("/proc/self/exe"); err == nil {
			return "/proc/self/exe", nil
		}
	}
	return os.Executable()
}
