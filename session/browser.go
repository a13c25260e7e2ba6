package session

import (
	"net"
	"strings"
	"sync"
	"time"

	"github.com/devrun-dev/devrun/internal/browser"
	"github.com/devrun-dev/devrun/internal/config"
	"github.com/devrun-dev/devrun/runner"
)

// pageOutputLines and pageLineBytes bound the output kept for an overlay: the last lines
// carry the cause, and a line longer than a screen is not read in a page.
const (
	pageOutputLines = 200
	pageLineBytes   = 2 << 10
)

// browserHook feeds one process's reload proxy: the runner's events of its first instance, the
// batches of changed files, and the process's output for the overlays.
type browserHook struct {
	proxy   *browser.Proxy
	addr    string // as configured
	overlap bool   // the old generation serves until the new one says it is ready
	find    bool   // follow the port the program listens on (no --browser-to, no TCP --listen)
	logf    func(lv Level, format string, args ...any)

	mu      sync.Mutex
	lines   []string // output since the last build or start
	showing string   // "failed" or "crashed" while an overlay shows; later lines extend it
	title   string
	stop    func()
	finding int // bumped by each start: a search for the previous program's port ends
}

// newBrowserHook starts the proxy of st, if it has one. upstream is where it forwards to: the
// process's one TCP listen socket unless browser_to says otherwise.
func (s *Session) newBrowserHook(p *process, st config.Process, sockets []*heldSocket) (*browserHook, error) {
	if st.Browser == "" {
		return nil, nil
	}
	for _, other := range s.procs {
		if other.browser != nil && other.browser.addr == st.Browser {
			// Most likely a top-level browser key, which every process inherits.
			return nil, badInput("browser %s is already the proxy of %s: set browser in the [process.NAME] table of the process that serves pages", st.Browser, other.name)
		}
	}
	upstream := st.BrowserTo
	if upstream == "" {
		var tcp []*heldSocket
		for _, sock := range sockets {
			if sock.Network == "tcp" {
				tcp = append(tcp, sock)
			}
		}
		switch {
		case len(tcp) == 1:
			upstream = dialAddr(tcp[0])
		case len(tcp) > 1 || !CanFindPorts:
			return nil, badInput("--browser: which address does the program serve? give --browser-to host:port")
		}
	}
	logf := func(format string, args ...any) { s.rep.Printf(LevelDetail, p.about, format, args...) }
	proxy, err := browser.New(st.Browser, upstream, logf)
	if err != nil {
		return nil, InputError{err}
	}
	h := &browserHook{proxy: proxy, addr: st.Browser, overlap: st.Overlap, find: upstream == "",
		logf: func(l Level, format string, args ...any) { s.rep.Printf(l, p.about, format, args...) }}
	if h.find {
		s.rep.Printf(LevelInfo, p.about, "browser: %s → the port %s listens on (--browser-to to choose)", proxy.URL(), p.name)
	} else {
		s.rep.Printf(LevelInfo, p.about, "browser: %s → %s", proxy.URL(), upstream)
	}
	h.follow(s.logs, p.LogLabel(0))
	return h, nil
}

// dialAddr is where a client reaches a held socket: its real port, on loopback when it
// listens on every interface.
func dialAddr(s *heldSocket) string {
	addr := s.Addr
	if ln, err := net.FileListener(s.File); err == nil {
		addr = ln.Addr().String()
		ln.Close() // a duplicate: the held socket stays open
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func (h *browserHook) follow(logs *Logs, label string) {
	_, lines, stop := logs.Follow(0)
	done := make(chan struct{})
	h.stop = func() { stop(); close(done) }
	go func() {
		for {
			select {
			case l := <-lines:
				if l.Stream != "devrun" && l.Process == label {
					h.line(l.Text)
				}
			case <-done:
				return
			}
		}
	}()
}

func (h *browserHook) line(text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(text) > pageLineBytes {
		text = text[:pageLineBytes] + "…"
	}
	h.lines = append(h.lines, text)
	if len(h.lines) > pageOutputLines {
		h.lines = append(h.lines[:0], h.lines[len(h.lines)-pageOutputLines:]...)
	}
	h.show()
}

// show updates the overlay with the latest output; output arrives after the event that says
// the build failed, so each later line extends it.
func (h *browserHook) show() {
	out := strings.Join(h.lines, "\n")
	switch h.showing {
	case "failed":
		h.proxy.BuildFailed(out)
	case "crashed":
		h.proxy.Crashed(h.title, out)
	}
}

func (h *browserHook) event(e runner.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch e.Kind {
	case runner.BuildStart:
		h.lines, h.showing = nil, ""
		h.proxy.Building()
	case runner.BuildFailed:
		if e.Err != nil {
			h.lines = append(h.lines, e.String())
		}
		h.showing = "failed"
		h.show()
	case runner.Starting:
		h.lines, h.showing = nil, ""
	case runner.Started:
		h.finding++
		if h.find {
			go h.findPort(e.PID, h.finding)
		} else if !h.overlap { // with --overlap the old program serves until the new one is ready
			h.proxy.Started(e.PID)
		}
	case runner.Ready:
		h.proxy.Ready(e.PID, e.Reason)
	case runner.StartFailed:
		h.showing, h.title = "crashed", e.String()
		h.show()
	case runner.Exited:
		h.finding++
		if e.Reason != "stopped" && (e.ExitCode != 0 || e.Signal != "") {
			h.showing, h.title = "crashed", e.String()
			h.show()
		}
	}
}

// findPort follows a program that opens its own port: once it listens, the proxy forwards
// there, and the program counts as ready as for a known address.
func (h *browserHook) findPort(pid, seq int) {
	tick := time.NewTicker(15 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(findPortTimeout)
	for {
		addr := listeningAddr(pid)
		h.mu.Lock()
		current := h.finding == seq
		if current && addr != "" {
			if old := h.proxy.Upstream(); old != addr {
				h.proxy.SetUpstream(addr)
				lvl := LevelDetail
				if old == "" {
					lvl = LevelInfo
				}
				h.logf(lvl, "browser: %s → %s", h.proxy.URL(), addr)
			}
			if !h.overlap {
				h.proxy.Started(pid)
			}
		}
		h.mu.Unlock()
		if !current || addr != "" {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			h.logf(LevelWarn, "browser: %s (pid %d) opened no TCP port within %s; give --browser-to host:port", "the program", pid, findPortTimeout)
			return
		}
	}
}

// findPortTimeout: how long a started program may take to open its port.
const findPortTimeout = 30 * time.Second

func (h *browserHook) close() {
	h.stop()
	h.proxy.Close()
}
