package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/devrun-dev/devrun/childrpc"
	term "github.com/devrun-dev/devrun/internal/terminal"
	sess "github.com/devrun-dev/devrun/session"
)

// inputError is bad input found before anything started (a missing watch path, an unknown
// signal, a target that is not there): devrun prints it and exits with status 2.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// supervise is `devrun TARGET` (or one devrun.toml) from start to the last child's exit: the
// session, its control socket, the terminal's signals and typed lines.
func supervise(ctx context.Context, o *options, s stdio) error {
	spec, con, err := runSpec(o, s)
	if err != nil {
		return err
	}
	stdin, typed := io.Pipe()
	spec.Stdin = stdin
	defer con.CloseStreams()
	ss, err := sess.New(spec, con)
	if bad := (sess.InputError{}); errors.As(err, &bad) {
		return inputError{err}
	} else if err != nil {
		return err
	}
	defer ss.Close()
	if f, ok := s.out.(*os.File); ok {
		defer con.PassResizes(f, ss)()
	}

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)

	ctl, err := ss.ServeControl()
	if err != nil {
		con.Printf(sess.LevelWarn, "", "control socket: %v (devrun ls/send will not see this run)", err)
	} else {
		defer ctl.Close()
	}

	done := make(chan struct{})
	go func() {
		ss.Run(ctx)
		close(done)
	}()
	go readInput(s.in, typed, ss, con)

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
				con.Printf(sess.LevelInfo, "", "%s: stopping (press Ctrl-C again to kill)", signalName(sig))
				ss.Stop()
				continue
			}
			if sig == syscall.SIGINT || sig == caught {
				con.Printf(sess.LevelWarn, "", "killing")
				ss.Kill()
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

// readInput reads devrun's stdin line by line: "rs" restarts (nodemon's habit), "rs NAME" one
// process; every other line goes to the program's stdin (typed) unchanged.
func readInput(in io.Reader, typed *io.PipeWriter, ss *sess.Session, con *term.Console) {
	if in == nil {
		typed.Close()
		return
	}
	br := bufio.NewReader(in)
	for {
		line, err := br.ReadString('\n')
		if cmd := strings.TrimSpace(line); cmd == "rs" || strings.HasPrefix(cmd, "rs ") {
			name := strings.TrimSpace(strings.TrimPrefix(cmd, "rs"))
			var unknown *childrpc.Error
			if err := ss.Restart(name, "rs"); errors.As(err, &unknown) {
				con.Printf(sess.LevelWarn, "", "rs %s: %s", name, unknown.Message)
			}
		} else if line != "" {
			if _, werr := io.WriteString(typed, line); werr != nil {
				return
			}
		}
		if err != nil {
			typed.Close()
			return
		}
	}
}
