package watcher

import "time"

// maxDrain bounds the events handled in one wake-up, so that a flood cannot starve the
// batch receiver.
const maxDrain = 4096

// run is the watcher's goroutine: it owns the state, and it never blocks on the receiver
// (an unreceived batch absorbs the next ones).
func (s *state) run() {
	w := s.w
	defer close(w.done)
	flushTimer := s.clock.NewTimer()
	defer flushTimer.Stop()
	pollTimer := s.clock.NewTimer()
	defer pollTimer.Stop()
	pollArmed := false

	var events <-chan []event
	var errs <-chan error
	if s.n != nil {
		events, errs = s.n.Events(), s.n.Errors()
	}
	var out Batch
	hasOut := false
	for {
		if !pollArmed && s.polling() {
			pollTimer.Reset(s.pollEvery)
			pollArmed = true
		}
		var send chan<- Batch
		if hasOut {
			send = w.batches
		}
		waitStart := s.clock.Now()
		select {
		case <-w.quit:
			return
		case evs, ok := <-events:
			if !ok {
				events = nil
				break
			}
			now := s.clock.Now()
			if now.Sub(waitStart) >= syncGap {
				s.syncPoint = waitStart
			}
			for _, ev := range evs {
				s.handleEvent(ev, now)
			}
			s.drain(events, len(evs), now)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				break
			}
			s.handleError(err)
		case <-flushTimer.C():
		case <-pollTimer.C():
			pollArmed = false
			s.pollTick(s.clock.Now())
		case send <- out:
			out, hasOut = Batch{}, false
		}
		now := s.clock.Now()
		s.resyncIgnores(now)
		if s.deb.pending() {
			if d := s.deb.wait(now); d > 0 {
				flushTimer.Reset(d)
			} else if b, ok := s.flush(now); ok {
				if hasOut {
					b = mergeBatch(out, b)
				}
				out, hasOut = b, true
			}
		}
		if s.h.afterStep != nil {
			s.h.afterStep()
		}
	}
}

// drain handles the events that are already waiting, after handled ones: with Delay 0, one
// read of the kernel's queue (an editor's save) gives one batch.
func (s *state) drain(events <-chan []event, handled int, now time.Time) {
	for handled < maxDrain {
		select {
		case evs, ok := <-events:
			if !ok {
				return
			}
			for _, ev := range evs {
				s.handleEvent(ev, now)
			}
			handled += len(evs)
		default:
			return
		}
	}
}

// flush runs a due overflow rescan and takes the batch; ok is false when nothing counts.
func (s *state) flush(now time.Time) (b Batch, ok bool) {
	if s.deb.rescan {
		before := s.deb.count()
		s.rescanTree(s.liveTops(), s.deb.rescanSince, true, now)
		s.deb.rescan = false
		found := s.deb.count() - before
		b.Rescan = found > 0
		if s.h.afterRescan != nil {
			s.h.afterRescan(found)
		}
	}
	b.Paths = s.deb.take()
	return b, len(b.Paths) > 0
}
