package runner

import "os"

// Environment markers that make the host executable act as a helper of this package.
const (
	envShim     = "DEVRUN_SHIM_EXEC"
	envGuardian = "DEVRUN_GUARDIAN"
)

// RunShimIfRequested must be called first thing in main (and in TestMain of test binaries)
// of every program that uses a Runner. When the environment marks this process as one of the
// runner's helpers (the exec shim that sets LISTEN_PID, or the guardian), it does that job and
// never returns: the shim execs the target, the guardian exits when its host is gone. In any
// other case it returns at once.
func RunShimIfRequested() {
	if target, ok := os.LookupEnv(envShim); ok {
		runShim(target)
	}
	if _, ok := os.LookupEnv(envGuardian); ok {
		runGuardian()
	}
}
