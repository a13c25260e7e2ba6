package runner

import (
	"fmt"
	"strings"
	"time"
)

// Policy says what to do when the child exits on its own (not because the runner stopped it).
type Policy int

const (
	// OnCrash restarts after a crash (a non-zero exit, or a signal the runner did not send),
	// with backoff; a clean exit (status 0) waits for the next Restart.
	OnCrash Policy = iota
	// Always restarts after any exit, with the same backoff.
	Always
	// Never restarts on exit; only Restart starts a new generation.
	Never
)

// PolicyNames are the policies as ParsePolicy reads them and Policy.String writes them.
var PolicyNames = []string{"on-crash", "always", "never"}

// ParsePolicy reads the --restart spelling: "on-crash" (or ""), "always", "never".
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "on-crash", "oncrash", "on-failure":
		return OnCrash, nil
	case "always":
		return Always, nil
	case "never", "no":
		return Never, nil
	}
	return OnCrash, fmt.Errorf("unknown restart policy %q (want on-crash, always or never)", s)
}

func (p Policy) String() string {
	switch p {
	case OnCrash:
		return "on-crash"
	case Always:
		return "always"
	case Never:
		return "never"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// Backoff figures from the README ("Restarts, crashes and stopping").
const (
	minBackoff      = 100 * time.Millisecond
	maxBackoff      = 5 * time.Second
	backoffResetAge = 10 * time.Second // a child that lived this long starts the backoff afresh
	quickCrashAge   = time.Second      // a crash sooner than this counts towards giving up
	// A crash right after start most often means broken code, which a retry will not mend:
	// one retry (for what is passing, a port still held, say), then wait for a change, so the
	// error is on screen twice at most and the wait begins within a second or so.
	maxQuickCrashes = 2
)

// restartPolicy turns the exits of successive generations into decisions. It is pure: time
// comes from now, so tests drive it with a fake clock and never sleep.
type restartPolicy struct {
	policy Policy
	now    func() time.Time

	minDelay, maxDelay time.Duration
	resetAge, quickAge time.Duration
	giveUpAfter        int

	nextDelay    time.Duration
	quickCrashes int // crashes in a row, each younger than quickAge
}

// decision is what the runner does after an unrequested exit.
type decision struct {
	restart bool
	delay   time.Duration
	gaveUp  bool // too many quick crashes in a row: wait for Restart
	crashes int  // the quick crashes in a row that led to gaveUp
	quick   bool // the generation crashed right after start
}

func newRestartPolicy(p Policy, now func() time.Time) *restartPolicy {
	rp := &restartPolicy{
		policy: p, now: now,
		minDelay: minBackoff, maxDelay: maxBackoff,
		resetAge: backoffResetAge, quickAge: quickCrashAge, giveUpAfter: maxQuickCrashes,
	}
	rp.reset()
	return rp
}

// reset forgets past crashes: the user asked for a restart, so what follows is a new story.
func (rp *restartPolicy) reset() {
	rp.nextDelay = rp.minDelay
	rp.quickCrashes = 0
}

// exited decides what follows an exit the runner did not ask for, of a generation that started
// at started: its age says whether the crash was quick and whether the backoff starts afresh.
func (rp *restartPolicy) exited(started time.Time, crashed bool) decision {
	age := rp.now().Sub(started)
	if age >= rp.resetAge {
		rp.nextDelay = rp.minDelay
	}
	quick := crashed && age < rp.quickAge
	if quick {
		rp.quickCrashes++
	} else {
		rp.quickCrashes = 0
	}

	switch {
	case rp.policy == Never:
		return decision{}
	case crashed && rp.quickCrashes >= rp.giveUpAfter:
		n := rp.quickCrashes
		rp.reset()
		return decision{gaveUp: true, crashes: n, quick: true}
	case rp.policy == Always || crashed:
		d := rp.nextDelay
		rp.nextDelay = min(rp.nextDelay*2, rp.maxDelay)
		return decision{restart: true, delay: d, quick: quick}
	}
	return decision{quick: quick}
}
