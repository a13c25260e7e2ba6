package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	sess "github.com/devrun-dev/devrun/session"
)

// inputError is bad input found before anything started (a missing watch path, an unknown
// signal, a target that is not there): devrun prints it and exits with status 2.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

func badInput(format string, args ...any) error { return inputError{fmt.Errorf(format, args...)} }

// session is one `devrun TARGET` (or one devrun.toml): its processes, the console and the
// sockets it holds, from start to the last child's exit.
type session struct {
	name    string
	dir     string
	command []string
	con     *console
	procs   []*process
	calls   sess.Processes // calls routed to an instance, restarts by name, status
	sockets []*heldSocket
	logs    *sess.Logs
	events  *sess.EventLog
	stdin   *io.PipeWriter
	started time.Time
	streams []*outputStream // the programs' output on its way to the screen and the logs
	ptys    []ptyOut

	stopOnce sync.Once
	stop     context.CancelFunc
}

func supervise(ctx context.Context, o *options, s stdio) error {
	ss, err := newSession(o, s)
	if err != nil {
		return err
	}
	con := ss.con
	defer ss.cleanup()
	if f, ok := s.out.(*os.File); ok {
		defer ss.passResizes(f)()
	}

	runCtx, stop := context.WithCancel(ctx)
	ss.stop = stop
	defer stop()

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)

	ctl, err := startControl(ss)
	if err != nil {
		con.printf(levelWarn, "", "control socket: %v (devrun ls/send will not see this run)", err)
	} else {
		defer ctl.Close()
	}

	done := make(chan struct{})
	go func() {
		ss.run(runCtx)
		close(done)
	}()
	go ss.readInput(s.in)

	var caught os.Signal
	for {
		select {
		case <-done:
			if caught != nil {
				return exitCodeError(128 + int(caught.(syscall.Signal)))
			}
			return ctx.Err()
		case sig := <-signals:
			if caught == nil {
				caught = sig
				con.printf(levelInfo, "", "%s: stopping (press Ctrl-C again to kill)", signalName(sig))
				stop()
				continue
			}
			if sig == syscall.SIGINT || sig == caught {
				con.printf(levelWarn, "", "killing")
				ss.killAll()
			}
		}
	}
}

func signalName(sig os.Signal) string {
	if sig == syscall.SIGINT {
		return "interrupt"
	}
	return sig.String()
}

// run starts every process (in dependency order) and returns when all of them have stopped.
func (ss *session) run(ctx context.Context) {
	stopEvents := ss.events.Start()
	defer stopEvents()
	var wg sync.WaitGroup
	for _, p := range ss.procs {
		p.start(ctx, &wg, ss)
	}
	wg.Wait()
}

func (ss *session) killAll() {
	for _, p := range ss.procs {
		for _, r := range p.runners {
			r.Kill()
		}
	}
}

// readInput reads devrun's stdin line by line: "rs" restarts (nodemon's habit), "rs NAME" one
// process; every other line goes to the first process's stdin unchanged.
func (ss *session) readInput(in io.Reader) {
	if in == nil {
		ss.stdin.Close()
		return
	}
	br := bufio.NewReader(in)
	for {
		line, err := br.ReadString('\n')
		if cmd := strings.TrimSpace(line); cmd == "rs" || strings.HasPrefix(cmd, "rs ") {
			ss.restartFromInput(strings.TrimSpace(strings.TrimPrefix(cmd, "rs")))
		} else if line != "" {
			if _, werr := io.WriteString(ss.stdin, line); werr != nil {
				return
			}
		}
		if err != nil {
			ss.stdin.Close()
			return
		}
	}
}

func (ss *session) restartFromInput(name string) {
	var unknown *childrpc.Error
	if err := ss.calls.Restart(name, "rs"); errors.As(err, &unknown) {
		ss.con.printf(levelWarn, "", "rs %s: %s", name, unknown.Message)
	}
}

func (ss *session) process(name string) *process {
	for _, p := range ss.procs {
		if p.name == name {
			return p
		}
	}
	return nil
}

func (ss *session) cleanup() {
	for _, p := range ss.procs {
		if p.watcher != nil {
			p.watcher.Close()
		}
		p.announced.close()
		if p.browser != nil {
			p.browser.close()
		}
		p.goWatch.close()
		if p.target != nil && p.target.Cleanup != nil {
			p.target.Cleanup()
		}
	}
	closeSockets(ss.sockets)
	for _, st := range ss.streams {
		st.close()
	}
}

// ptyOut is a program's pty as a resize of devrun's terminal must reach it.
type ptyOut struct {
	slave  *os.File
	margin int // columns taken by the prefix devrun adds to each line
}

// watchErr turns a watcher start failure into bad input when the cause is the user's path.
func watchErr(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return inputError{err}
	}
	return err
}
