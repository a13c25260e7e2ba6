package browser

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Phase is what the page should show about the program.
type Phase string

const (
	PhaseStarting Phase = "starting" // building or starting; the page stays as it is
	PhaseReady    Phase = "ready"    // generation Gen serves
	PhaseFailed   Phase = "failed"   // the build failed (Output); the previous program may still serve
	PhaseCrashed  Phase = "crashed"  // the program exited on its own (Output: its last lines)
)

// State is what every event carries: the whole picture, never a delta, so a client that missed
// events (slow, reconnecting, a new page) still acts correctly on the last one.
type State struct {
	Session string `json:"session"` // this proxy's identity: a new devrun means a new page
	Gen     int64  `json:"gen"`     // increases with each ready generation or reload
	Styles  bool   `json:"styles"`  // Gen-1 → Gen changed only stylesheets
	Phase   Phase  `json:"phase"`
	Title   string `json:"title,omitempty"`
	Output  string `json:"output,omitempty"`
}

// maxOutput bounds what one overlay carries: the end of the output is where the cause is.
const maxOutput = 64 << 10

// maxClients bounds the open event streams; tabs beyond it get 503 and retry.
const maxClients = 256

// writeTimeout: a client that cannot take one event in this time is dropped (it reconnects).
const writeTimeout = 5 * time.Second

// hub keeps the state and wakes the event streams. Each stream only ever sends the latest
// state, so a slow reader costs nothing but its own connection.
type hub struct {
	logf func(string, ...any)

	mu        sync.Mutex
	st        State
	readyID   int  // the generation (pid) last marked ready
	styleOnly bool // every change since the last ready generation was a stylesheet
	changed   bool // a change was reported since then
	pollSeq   int  // bumps cancel a running readiness poll
	clients   map[chan struct{}]struct{}
	closed    bool
}

func newHub(logf func(string, ...any)) *hub {
	var id [6]byte
	rand.Read(id[:])
	return &hub{logf: logf, st: State{Session: hex.EncodeToString(id[:]), Phase: PhaseStarting},
		clients: map[chan struct{}]struct{}{}}
}

func (h *hub) state() State {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.st
}

// update changes the state under the lock and wakes every stream.
func (h *hub) update(f func(st *State)) {
	h.mu.Lock()
	f(&h.st)
	for ch := range h.clients {
		select {
		case ch <- struct{}{}:
		default: // already woken: it will read the newest state anyway
		}
	}
	h.mu.Unlock()
}

func (h *hub) scriptTag() string {
	st := h.state()
	return fmt.Sprintf(`<script src="%s" data-session="%s" data-gen="%d"></script>`, scriptPath, st.Session, st.Gen)
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.clients {
		close(ch)
		delete(h.clients, ch)
	}
}

func (h *hub) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	wake := make(chan struct{}, 1)
	h.mu.Lock()
	if h.closed || len(h.clients) >= maxClients {
		h.mu.Unlock()
		http.Error(w, "too many event streams", http.StatusServiceUnavailable)
		return
	}
	h.clients[wake] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		if _, ok := h.clients[wake]; ok {
			delete(h.clients, wake)
		}
		h.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// retry: how soon the browser reconnects after devrun restarts.
	if !h.send(w, rc, "retry: 300\n\n") {
		return
	}
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		data, _ := json.Marshal(h.state())
		if !h.send(w, rc, "data: "+string(data)+"\n\n") {
			return
		}
		select {
		case _, ok := <-wake:
			if !ok {
				return
			}
		case <-ping.C:
			// A comment keeps proxies from timing the stream out and finds dead peers.
			if !h.send(w, rc, ": ping\n\n") {
				return
			}
			continue
		case <-r.Context().Done():
			return
		}
	}
}

func (h *hub) send(w http.ResponseWriter, rc *http.ResponseController, s string) bool {
	rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := w.Write([]byte(s)); err != nil {
		return false
	}
	return rc.Flush() == nil
}

// clip keeps the end of output, where a compiler's or a crash's cause is.
func clip(output string) string {
	if len(output) <= maxOutput {
		return output
	}
	return "…\n" + output[len(output)-maxOutput:]
}
