package session

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/runner"
)

// Session is one `devrun TARGET` (or one devrun.toml): its processes and the sockets it holds,
// from start to the last child's exit.
type Session struct {
	name    string
	dir     string
	command []string
	rep     Reporter
	procs   []*process
	calls   Processes // calls routed to an instance, restarts by name, status
	sockets []*heldSocket
	logs    *Logs
	events  *EventLog
	started time.Time

	stopOnce sync.Once
	stopping chan struct{} // closed by Stop
}

// Run starts every process (in dependency order) and returns when all of them have stopped:
// after ctx is done or Stop.
func (s *Session) Run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	stopEvents := s.events.Start()
	defer stopEvents()
	var wg sync.WaitGroup
	for _, p := range s.procs {
		p.start(ctx, &wg, s)
	}
	wg.Wait()
}

// Stop asks every process to stop, gracefully; Run then returns.
func (s *Session) Stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// Kill kills every program at once.
func (s *Session) Kill() { s.eachRunner((*runner.Runner).Kill) }

// Restart restarts the process called name, or every process when name is "". An unknown
// name is a *childrpc.Error.
func (s *Session) Restart(name, why string) error { return s.calls.Restart(name, why) }

// Signal sends sig to every program (SIGWINCH when the terminal is resized).
func (s *Session) Signal(sig syscall.Signal) {
	s.eachRunner(func(r *runner.Runner) { r.Signal(sig) })
}

func (s *Session) eachRunner(f func(*runner.Runner)) {
	for _, p := range s.procs {
		for _, r := range p.runners {
			f(r)
		}
	}
}

func (s *Session) process(name string) *process {
	for _, p := range s.procs {
		if p.name == name {
			return p
		}
	}
	return nil
}

// Close stops the watchers and proxies and closes the held sockets, once Run has returned.
func (s *Session) Close() {
	for _, p := range s.procs {
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
	closeSockets(s.sockets)
}

// watchErr turns a watcher start failure into bad input when the cause is the user's path.
func watchErr(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return InputError{err}
	}
	return err
}
