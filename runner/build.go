package runner

import (
	"os"
	"syscall"
	"time"
)

// buildRun is one run of Config.Build, in a process group of its own.
type buildRun struct {
	grp       *group
	started   time.Time
	status    exitStatus
	cancelled bool // a Restart (or the end of Run) made its result worthless
}

// startBuild runs the build step. Its output goes where the child's stderr goes; the old
// child keeps running meanwhile.
func (s *supervisor) startBuild() {
	s.binary.wait()
	s.startPending = false // whatever was about to start is older than this build
	cfg := s.cfg
	s.emit(Event{Kind: BuildStart, Command: cfg.Build})
	dir := cfg.BuildDir
	if dir == "" {
		dir = cfg.Dir
	}
	path, err := resolveProgram(cfg.Build[0], dir, s.r.baseEnv)
	if err != nil {
		s.buildFailed(0, err)
		return
	}
	if err := prepareHost(); err != nil && !s.warned {
		s.warned = true
		s.emit(Event{Kind: Warning, Reason: "less protection against leftover processes", Err: err})
	}
	b := &buildRun{started: time.Now()}
	spec := &procSpec{
		path: path, argv: cfg.Build, env: s.r.baseEnv, dir: dir,
		files: []uintptr{s.io.devNullR.Fd(), s.io.errFD, s.io.errFD},
	}
	grp, err := startGroup(spec,
		func(st exitStatus) { s.r.inbox.post(msgBuildExited{b, st}) },
		func() { s.r.inbox.post(msgBuildGone{b}) })
	if err != nil {
		s.buildFailed(0, err)
		return
	}
	b.grp = grp
	s.bld = b
}

// cancelBuild kills the build's whole group; buildGone follows.
func (s *supervisor) cancelBuild(why string) {
	if s.bld.cancelled {
		return
	}
	s.bld.cancelled = true
	s.emit(Event{Kind: BuildCancelled, Reason: why})
	s.bld.grp.signal(syscall.SIGKILL)
}

func (s *supervisor) buildExited(b *buildRun, st exitStatus) {
	b.status = st
	// Whatever the build left running in its group is not wanted: the result is known.
	b.grp.signal(syscall.SIGKILL)
}

// buildGone acts on the build's result once nothing of it is left running.
func (s *supervisor) buildGone(b *buildRun) {
	if b != s.bld {
		return
	}
	s.bld = nil
	took := time.Since(b.started)
	switch {
	case b.cancelled:
		if s.buildAgain && !s.shuttingDown {
			s.buildAgain = false
			s.startBuild()
		}
	case b.status.success():
		s.emit(Event{Kind: BuildOK, Duration: took})
		if s.sameBinary() {
			s.changed = nil // the running program is the one these changes build
			s.emit(Event{Kind: Unchanged, PID: s.cur.pid, Reason: "no change in the binary; still running"})
			return
		}
		s.swap()
	default:
		s.buildFailed(took, nil)
	}
}

func (s *supervisor) buildFailed(took time.Duration, err error) {
	reason := "waiting for a fix"
	if s.cur != nil {
		reason = "still running the previous build"
	}
	s.emit(Event{Kind: BuildFailed, Duration: took, Err: err, Reason: reason})
}

// binaryState remembers what the running program's binary was, for Config.BuildOutput.
type binaryState struct {
	size  int64
	sum   uint64
	known bool          // size and sum describe the last binary built
	force bool          // a restart that must happen whatever the build produces is pending
	done  chan struct{} // closed when a background sum is in; nil when none is running
}

// sameBinary says whether the program just built is the one running, which then need not
// restart. It records the new program's size and sum, since that is what runs next otherwise.
// A binary of another size is new for sure: its sum is then taken in the background while the
// old program stops and the new one starts, off the path from save to serving.
func (s *supervisor) sameBinary() bool {
	b := &s.binary
	force := b.force
	b.force = false
	if s.cfg.BuildOutput == "" {
		return false
	}
	b.wait()
	fi, err := os.Stat(s.cfg.BuildOutput)
	if err != nil {
		b.known = false
		return false
	}
	compare := b.known && fi.Size() == b.size && !force && s.cur != nil && s.next == nil && !s.startPending
	b.size, b.known = fi.Size(), false
	if !compare {
		done := make(chan struct{})
		b.done = done
		go func(path string) {
			defer close(done)
			sum, err := binarySum(path)
			b.sum, b.known = sum, err == nil
		}(s.cfg.BuildOutput)
		return false
	}
	old := b.sum
	b.sum, err = binarySum(s.cfg.BuildOutput)
	b.known = err == nil
	return b.known && b.sum == old
}

// wait lets a background sum finish. The next build must not start before: it rewrites the
// file being read.
func (b *binaryState) wait() {
	if b.done != nil {
		<-b.done
		b.done = nil
	}
}
