package browser

import (
	"net"
	"path/filepath"
	"strings"
	"time"
)

// What the caller reports. Generations are named by an id the caller picks (devrun uses the
// program's pid); reports about one generation may come twice (a readiness message and an
// accepted connection) and count once.

// Changed reports a batch of changed files. When every change since the last ready generation
// is a stylesheet, the next ready generation swaps the page's stylesheets instead of reloading.
func (p *Proxy) Changed(files []string) {
	css := len(files) > 0
	for _, f := range files {
		css = css && strings.EqualFold(filepath.Ext(f), ".css")
	}
	h := p.hub
	h.mu.Lock()
	h.styleOnly = css && (h.styleOnly || !h.changed)
	h.changed = true
	h.mu.Unlock()
}

// Building reports that a build started. An overlay already shown stays until the outcome.
func (p *Proxy) Building() {
	p.hub.update(func(st *State) {
		p.hub.pollSeq++
		if st.Phase == PhaseReady {
			st.Phase = PhaseStarting
		}
	})
}

// BuildFailed shows the build's output on the page; the page is not reloaded.
// It may be called again as more output arrives.
func (p *Proxy) BuildFailed(output string) {
	var was Phase
	p.hub.update(func(st *State) {
		p.hub.pollSeq++
		was = st.Phase
		st.Phase, st.Title, st.Output = PhaseFailed, "build failed", clip(output)
	})
	if was != PhaseFailed {
		p.logf("browser: showing the build failure")
	}
}

// Crashed shows the program's last output on the page under title ("exited with code 2").
// It may be called again as more output arrives.
func (p *Proxy) Crashed(title, lastOutput string) {
	var was Phase
	p.hub.update(func(st *State) {
		p.hub.pollSeq++
		was = st.Phase
		st.Phase, st.Title, st.Output = PhaseCrashed, title, clip(lastOutput)
	})
	if was != PhaseCrashed {
		p.logf("browser: showing the crash: %s", title)
	}
}

// Started reports a new generation that may never say it is ready: it counts as ready once
// the upstream address accepts a connection (polled, for at most holdTimeout). Under a held
// listening socket that is at once, and requests wait in the socket's backlog for it.
func (p *Proxy) Started(id int) {
	h := p.hub
	h.mu.Lock()
	h.pollSeq++
	seq := h.pollSeq
	h.mu.Unlock()
	go func() {
		deadline := time.Now().Add(holdTimeout)
		for time.Now().Before(deadline) {
			if p.ctx.Err() != nil || p.pollSuperseded(seq) {
				return
			}
			addr := p.Upstream()
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if addr != "" && err == nil {
				c.Close()
				if !p.pollSuperseded(seq) {
					p.markReady(id, "accepts connections")
				}
				return
			}
			select {
			case <-time.After(15 * time.Millisecond):
			case <-p.ctx.Done():
				return
			}
		}
	}()
}

func (p *Proxy) pollSuperseded(seq int) bool {
	p.hub.mu.Lock()
	defer p.hub.mu.Unlock()
	return p.hub.pollSeq != seq
}

// Ready reports that generation id said it is ready (how: "devrun.ready", "READY=1"...).
func (p *Proxy) Ready(id int, how string) { p.markReady(id, how) }

func (p *Proxy) markReady(id int, why string) {
	h := p.hub
	var styles, fresh bool
	h.update(func(st *State) {
		if h.readyID == id && st.Phase == PhaseReady {
			return
		}
		fresh = true
		h.readyID = id
		styles = h.changed && h.styleOnly
		h.changed, h.styleOnly = false, false
		st.Gen++
		st.Styles, st.Phase, st.Title, st.Output = styles, PhaseReady, "", ""
	})
	switch {
	case !fresh:
	case styles:
		p.logf("browser: swapping stylesheets: only CSS changed (new program ready: %s)", why)
	default:
		p.logf("browser: reloading: new program ready (%s)", why)
	}
}

// Reload reloads the pages now: the program took a change without a restart (a handler).
func (p *Proxy) Reload(reason string) {
	p.hub.update(func(st *State) {
		p.hub.changed, p.hub.styleOnly = false, false
		st.Gen++
		st.Styles, st.Phase, st.Title, st.Output = false, PhaseReady, "", ""
	})
	p.logf("browser: reloading: %s", reason)
}

// State is what the pages are told now.
func (p *Proxy) State() State { return p.hub.state() }
