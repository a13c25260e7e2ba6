//go:build unix

package runner

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// The guardian is a helper process, one per host process, that outlives it: the host tells it
// the pgid of every live group over a pipe ("+pgid", "-pgid" lines), and when the pipe reaches
// end of file (the host died, however it died) it SIGKILLs every group still registered. It
// covers what Pdeathsig cannot: grandchildren, and systems without Pdeathsig.
var guardian struct {
	once sync.Once
	mu   sync.Mutex
	w    *os.File // nil when there is no guardian
	err  error    // why there is none (or why it was lost)
}

// guardianWriteTimeout bounds a write to a guardian that stopped reading: the host must never
// block on it.
const guardianWriteTimeout = time.Second

// prepareHost makes this process fit to supervise (once): the subreaper on Linux, and the
// guardian. The error says what is missing; supervision works without, with less protection.
func prepareHost() error {
	guardian.once.Do(func() {
		var errs []error
		if err := becomeSubreaper(); err != nil {
			errs = append(errs, fmt.Errorf("cannot become a child subreaper: %w", err))
		}
		w, err := startGuardian()
		if err != nil {
			errs = append(errs, fmt.Errorf("no guardian process (children may outlive a killed devrun): %w", err))
		}
		guardian.mu.Lock()
		guardian.w, guardian.err = w, errors.Join(errs...)
		guardian.mu.Unlock()
	})
	guardian.mu.Lock()
	defer guardian.mu.Unlock()
	return guardian.err
}

func startGuardian() (*os.File, error) {
	if _, ok := os.LookupEnv(envGuardian); ok {
		// We are a guardian that was not recognised: starting another would recurse forever.
		return nil, errors.New("this program did not call runner.RunShimIfRequested first")
	}
	exe, err := selfExecutable()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := &exec.Cmd{
		Path:  exe,
		Args:  []string{"devrun-guardian"},
		Env:   append(withoutVars(os.Environ(), inheritedProtocolVars), envGuardian+"=1"),
		Dir:   "/",
		Stdin: r,
		// Its own session: the terminal's signals (Ctrl-C, hangup) must not reach it.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, err
	}
	go cmd.Wait() // reap it, should it die before us
	return w, nil
}

func guardianWatch(pgid int)  { guardianSend('+', pgid) }
func guardianForget(pgid int) { guardianSend('-', pgid) }

func guardianSend(op byte, pgid int) {
	guardian.mu.Lock()
	defer guardian.mu.Unlock()
	if guardian.w == nil {
		return
	}
	line := append([]byte{op}, strconv.Itoa(pgid)...)
	line = append(line, '\n')
	_ = guardian.w.SetWriteDeadline(time.Now().Add(guardianWriteTimeout))
	if _, err := guardian.w.Write(line); err != nil {
		guardian.w.Close()
		guardian.w = nil
		guardian.err = fmt.Errorf("lost the guardian process: %w", err)
	}
}

// runGuardian is the guardian's whole life (see the guardian variable).
func runGuardian() {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	groups := make(map[int]bool)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 {
			continue
		}
		pgid, err := strconv.Atoi(line[1:])
		if err != nil || pgid <= 1 {
			continue
		}
		switch line[0] {
		case '+':
			groups[pgid] = true
		case '-':
			delete(groups, pgid)
		}
	}
	for pgid := range groups {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	os.Exit(0)
}
