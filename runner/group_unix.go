//go:build unix

package runner

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// group is one running process group, started by startGroup. Its leader's pid is the pgid.
type group struct {
	pid int

	mu           sync.Mutex
	leaderReaped bool // the leader's pid may be reused from now on: never signal it alone
	gone         bool // no process of the group is left: never signal the pgid again
}

// startGroup forks and execs spec as the leader of a new process group and returns once the
// exec has succeeded (or failed). onExit is called once with the leader's status when it has
// been reaped, then onGone once when no process of the group is left. Both are called from the
// group's own goroutine and must not block.
//
// The fork happens on a goroutine locked to its OS thread, and that goroutine lives as long as
// the leader: Pdeathsig fires when the forking thread exits, not when the process does, so
// any other arrangement would kill the child the next time the Go runtime retires a thread.
func startGroup(spec *procSpec, onExit func(exitStatus), onGone func()) (*group, error) {
	type result struct {
		g   *group
		err error
	}
	started := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		attr := &syscall.ProcAttr{Dir: spec.dir, Env: spec.env, Files: spec.files, Sys: groupSysProcAttr()}
		pid, err := syscall.ForkExec(spec.path, spec.argv, attr)
		if err != nil {
			runtime.UnlockOSThread()
			started <- result{err: fmt.Errorf("%s: %w", spec.path, err)}
			return
		}
		g := &group{pid: pid}
		guardianWatch(pid)
		started <- result{g: g}
		g.supervise(onExit, onGone)
	}()
	r := <-started
	return r.g, r.err
}

func (g *group) supervise(onExit func(exitStatus), onGone func()) {
	var ws syscall.WaitStatus
	var err error
	for {
		_, err = syscall.Wait4(g.pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	g.mu.Lock()
	g.leaderReaped = true
	g.mu.Unlock()
	// The child is gone: nothing depends on this thread any more.
	runtime.UnlockOSThread()
	onExit(statusOf(ws, err))
	g.drain()
	guardianForget(g.pid)
	onGone()
}

func statusOf(ws syscall.WaitStatus, err error) exitStatus {
	switch {
	case err != nil:
		return exitStatus{code: -1} // reaped by someone else: the status is lost
	case ws.Signaled():
		return exitStatus{code: -1, signal: ws.Signal()}
	}
	return exitStatus{code: ws.ExitStatus()}
}

// drain waits until no process of the group is left. Members that are our children (orphans
// adopted thanks to the subreaper) are reaped as they die, so they cannot linger as zombies;
// members that are not (their parent still lives, or another process adopted them) can only be
// polled for with kill(-pgid, 0). The runner's signals are what make them die.
func (g *group) drain() {
	pause := 200 * time.Microsecond
	for {
		_, err := syscall.Wait4(-g.pid, nil, 0, nil)
		if err == nil || err == syscall.EINTR {
			continue
		}
		g.mu.Lock()
		if syscall.Kill(-g.pid, 0) == syscall.ESRCH {
			g.gone = true
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		time.Sleep(pause)
		pause = min(pause*2, 50*time.Millisecond)
	}
}

// signal sends sig to every process of the group; it does nothing once the group is gone, so
// a reused pid is never hit.
func (g *group) signal(sig syscall.Signal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gone {
		return
	}
	if !g.leaderReaped {
		// A leader that moved itself to another group would escape a group signal. Only then
		// is it signalled by pid: twice the same signal makes some programs skip their
		// graceful shutdown ("press Ctrl-C again to quit").
		if pgid, err := syscall.Getpgid(g.pid); err == nil && pgid != g.pid {
			_ = syscall.Kill(g.pid, sig)
		}
	}
	_ = syscall.Kill(-g.pid, sig)
}

// stop sends sig to the group, then SIGCONT: a stopped process (Ctrl-Z, a debugger) would
// hold sig pending until the grace period ends. systemd does the same.
func (g *group) stop(sig syscall.Signal) {
	g.signal(sig)
	if sig != syscall.SIGKILL && sig != syscall.SIGCONT {
		g.signal(syscall.SIGCONT)
	}
}
