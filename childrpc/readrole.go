package childrpc

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// The reading role.
//
// One goroutine at a time reads the channel: the one holding readToken. Which one it
// is decides the latency of a call. Waking a goroutine other than the one the kernel
// woke costs a thread wake-up: between two processes on a two-core machine one such
// hand-off per call nearly doubles the round trip (BenchmarkRoundTripProcessHandOff
// against BenchmarkRoundTripProcess). So the role goes where the next line is needed:
//
//   - A caller holds it while waiting for its own answer (readFor): the answer wakes
//     the very goroutine that wants it.
//   - A background reader holds it when no caller does (readInBackground). A request
//     it reads is served on the same goroutine, after it lets the role go; when the
//     handler returns, that goroutine takes the role back if nobody else has.
//   - Whenever the watchdog finds the role free at one of its ticks (a handler that
//     blocks, a caller that has its answer and left), it gives the role to a
//     background reader. So a request never waits more than a tick behind a blocked
//     handler, and a message arriving between calls is read that much later at worst.
//
// Data already buffered, or callers waiting for a reader, cannot wait for the
// watchdog: whoever lets the role go then hands it on at once (kickReader).
//
// readEpoch counts every take and release of the role, so it is odd while the role
// is held; the watchdog only needs to see that it has not moved.

// readerTick is the watchdog's period.
const readerTick = 50 * time.Millisecond

// tryRead takes the reading role if nobody holds it.
func (c *Conn) tryRead() bool {
	if !c.readToken.TryLock() {
		return false
	}
	c.readEpoch.Add(1)
	return true
}

// releaseRead lets the reading role go and makes sure somebody reads next.
func (c *Conn) releaseRead() {
	more := c.lines.buffered()
	c.readEpoch.Add(1)
	c.readToken.Unlock()
	// Checked after the unlock: a caller that failed to take the role counted itself
	// as waiting before trying, so it is seen here.
	switch {
	case c.closed.Load():
		c.finishReading()
	case more || c.waiters.Load() > 0:
		c.kickReader()
	default:
		c.wakeWatchdog()
	}
}

// kickReader gives the role to a background reader at once, unless somebody holds it.
func (c *Conn) kickReader() {
	if !c.tryRead() {
		return
	}
	if c.closed.Load() {
		c.releaseRead()
		return
	}
	c.dispatch(job{read: true})
}

// finishReading closes Done once the Conn is closed and nobody reads. The role is
// kept from then on: nobody reads a closed channel.
func (c *Conn) finishReading() {
	if c.readToken.TryLock() {
		c.doneOnce.Do(func() { close(c.done) })
	}
}

// readInBackground reads, holding the role, for whoever needs it. It returns a
// request to serve, having let the role go, or nothing once it handed the role back
// to the callers.
func (c *Conn) readInBackground() (job, bool) {
	for {
		line, err := c.lines.next()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.resetDeadline(nil) // meant for a caller that has left: not ours
				continue
			}
			c.readFailed(err)
			c.releaseRead()
			return job{}, false
		}
		j, kind := c.handleLine(line, &c.msg)
		switch kind {
		case lineRequest:
			c.releaseRead()
			return j, true
		case lineAnswer:
			// Its caller will likely call again: let it read its next answer itself.
			if c.waiters.Load() == 0 && !c.lines.buffered() {
				c.releaseRead()
				return job{}, false
			}
		}
	}
}

// deadliner is the part of net.Conn that lets a caller stop reading when its context
// ends.
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// canReadFor reports whether a caller with ctx may hold the role: it must be able to
// stop reading when ctx ends.
func (c *Conn) canReadFor(ctx context.Context) bool {
	return ctx.Done() == nil || c.deadline != nil
}

// readFor reads, holding the role, until cl's answer arrives (ok) or ctx ends; it
// lets the role go either way. Requests it reads go to workers: the caller is
// waiting for its answer.
func (c *Conn) readFor(ctx context.Context, cl *call) (reply, bool) {
	if ctx.Done() == nil {
		r, ok := c.readUntilAnswer(ctx, cl)
		c.releaseRead()
		return r, ok
	}
	c.deadlineMu.Lock()
	c.interruptible = true
	c.deadlineMu.Unlock()
	stop := context.AfterFunc(ctx, c.interruptRead)
	r, ok := c.readUntilAnswer(ctx, cl)
	stop()
	c.endInterruptible() // before the next holder reads
	c.releaseRead()
	return r, ok
}

// readUntilAnswer is readFor's loop; the answer may already be there, delivered by
// the reader before us.
func (c *Conn) readUntilAnswer(ctx context.Context, cl *call) (reply, bool) {
	for {
		select {
		case r := <-cl.ch:
			return r, true
		default:
		}
		if ctx.Err() != nil {
			return reply{}, false
		}
		line, err := c.lines.next()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.resetDeadline(ctx) // unless meant for us: the loop then returns
				continue
			}
			c.readFailed(err) // closes the Conn: cl gets ErrClosed
			continue
		}
		if j, kind := c.handleLine(line, &c.msg); kind == lineRequest {
			c.dispatch(j)
		}
	}
}

// interruptRead makes the blocked read of a caller whose context ended return.
func (c *Conn) interruptRead() {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	if c.interruptible {
		c.deadlineSet = true
		_ = c.deadline.SetReadDeadline(time.Unix(1, 0))
	}
}

// endInterruptible ends a caller's interruptible read, removing the deadline set
// for it if its context ended.
func (c *Conn) endInterruptible() {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.interruptible = false
	if c.deadlineSet {
		c.deadlineSet = false
		_ = c.deadline.SetReadDeadline(time.Time{})
	}
}

// resetDeadline removes a deadline that interrupted a read it was not meant for: set
// for an earlier caller, or for none (ctx nil). A deadline set because ctx ended stays:
// the reader is leaving.
func (c *Conn) resetDeadline(ctx context.Context) {
	if c.deadline == nil {
		return
	}
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	if ctx != nil && ctx.Err() != nil {
		return // checked under the lock, which interruptRead takes after ctx ended
	}
	c.deadlineSet = false
	_ = c.deadline.SetReadDeadline(time.Time{})
}

// readFailed ends the Conn after a read error; the peer closing is no news.
func (c *Conn) readFailed(err error) {
	if !errors.Is(err, io.EOF) && !c.closed.Load() {
		c.opts.Logf("childrpc: reading the channel: %v", err)
	}
	c.Close()
}

// wakeWatchdog restarts the watchdog if it sleeps.
func (c *Conn) wakeWatchdog() {
	if c.watchdogAsleep.Load() && c.watchdogAsleep.CompareAndSwap(true, false) {
		select {
		case c.watchdogWake <- struct{}{}:
		default: // a wake is pending already
		}
	}
}

// watchdog gives the role to a background reader when it finds it free at a tick.
// That may be a caller between two calls, which then waits for its next answer the
// slow way once. It sleeps when a reader has held the role for a whole tick (a quiet
// program: no ticks), to be woken by the next release.
//
// It ticks rarely because a tick is not free: waking a thread upsets the scheduler's
// idle threads for a while: with readerTick at 1 ms, BenchmarkRoundTripProcess's
// median doubled.
func (c *Conn) watchdog() {
	defer c.workers.Done()
	tick := time.NewTimer(readerTick)
	defer tick.Stop()
	last := c.readEpoch.Load()
	for {
		select {
		case <-tick.C:
		case <-c.ctx.Done():
			return
		}
		epoch := c.readEpoch.Load()
		switch {
		case epoch%2 == 0:
			c.kickReader()
		case epoch == last:
			// Sleep while the role stays held: its release, seeing the flag set
			// before the role was seen held, wakes us.
			c.watchdogAsleep.Store(true)
			if c.readEpoch.Load()%2 == 1 {
				select {
				case <-c.watchdogWake:
				case <-c.ctx.Done():
					return
				}
			} else if !c.watchdogAsleep.CompareAndSwap(true, false) {
				<-c.watchdogWake // a release woke us meanwhile: take its signal
			}
		}
		last = c.readEpoch.Load()
		tick.Reset(readerTick)
	}
}
