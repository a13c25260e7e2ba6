// Package runner supervises one command: an optional build step, then the child process in its
// own process group, restarted on request or after a crash, and stopped so that no process of
// any generation is left behind.
//
// A Runner is driven by [Runner.Run], which builds and starts the first generation and then
// supervises until its context is done. [Runner.Restart] asks for a rebuild and a new
// generation (a file changed), [Runner.Kill] ends everything at once (a second Ctrl-C), and
// [Runner.Call] sends a JSON-RPC request to the running child over the child channel
// (package childrpc). Everything that happens is reported, in order, to Config.OnEvent.
//
// # Processes
//
// Each generation (and each build) runs in its own process group. Stopping a group sends
// Config.Signal to the whole group, waits Config.Grace, then sends SIGKILL to the group; a
// generation is over only when every process of its group is gone, and the next one starts only
// then (unless Config.Overlap asks otherwise). On Linux the host process becomes a child
// subreaper (PR_SET_CHILD_SUBREAPER) so that grandchildren orphaned inside a group are reaped
// here rather than left as zombies where PID 1 does not reap.
//
// If the host process dies, even by SIGKILL, its children die too: the direct child has
// Pdeathsig=SIGKILL (Linux), set from a goroutine locked to its OS thread for the whole life of
// the child, and a guardian process (the host executable re-executed, in its own session)
// SIGKILLs every group still registered when its pipe from the host reaches end of file.
//
// # Requirements on the host program
//
// The guardian and the listen-socket exec shim are the host executable started again with an
// environment marker, so every program that uses this package must call
// [RunShimIfRequested] first thing in main (and test binaries in TestMain). Without it the
// guardian is never effective and children given listen sockets never start.
package runner
