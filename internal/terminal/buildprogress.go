package terminal

import (
	"fmt"
	"strings"
	"sync"
	"time"

	sess "github.com/devrun-dev/devrun/session"
)

// A build that has not finished after buildQuiet says so: most builds end sooner, and a line
// for each would be noise; a cold one can take minutes and must not look like a hang.
const (
	buildQuiet = 300 * time.Millisecond
	buildTick  = 500 * time.Millisecond
)

// buildProgress tells the user about one process's build in progress: a line once it has taken
// buildQuiet, and on a terminal a status line with the time so far and the module being
// downloaded ("go: downloading ..." in the build's output).
type buildProgress struct {
	con   *Console
	about string
	what  string // what is built, as the user named it: ./cmd/server

	mu    sync.Mutex
	timer *time.Timer
	stop  chan struct{}
}

func (b *buildProgress) start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endLocked()
	started := time.Now()
	b.con.mu.Lock()
	b.con.downloads, b.con.downloading = 0, ""
	b.con.mu.Unlock()
	stop := make(chan struct{})
	b.stop = stop
	b.timer = time.AfterFunc(buildQuiet, func() {
		if !b.con.useStatus() {
			b.whileRunning(stop, func() { b.con.Printf(sess.LevelInfo, b.about, "building %s…", b.what) })
			return
		}
		b.con.keep(b.about, "building "+b.what+"…") // the status line, as `devrun logs` keeps it
		tick := time.NewTicker(buildTick)
		defer tick.Stop()
		for b.whileRunning(stop, func() { b.con.setStatus(b.about, b.status(time.Since(started))) }) {
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	})
}

// whileRunning calls f unless the build has ended (and said so) meanwhile.
func (b *buildProgress) whileRunning(stop chan struct{}, f func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-stop:
		return false
	default:
		f()
		return true
	}
}

func (b *buildProgress) status(took time.Duration) string {
	s := fmt.Sprintf("building %s… %s", b.what, took.Round(100*time.Millisecond))
	if b.about != "" {
		s = b.about + ": " + s
	}
	b.con.mu.Lock()
	n, mod := b.con.downloads, b.con.downloading
	b.con.mu.Unlock()
	if n > 0 {
		s += fmt.Sprintf(" · go: downloading %s (%d)", mod, n)
	}
	return s
}

// end removes the status line; the build's result follows.
func (b *buildProgress) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endLocked()
}

func (b *buildProgress) endLocked() {
	if b.timer == nil {
		return
	}
	b.timer.Stop()
	close(b.stop)
	b.timer = nil
	b.con.setStatus(b.about, "")
}

// BuildStarted shows, once it has taken buildQuiet, that about's build of what is under way.
func (c *Console) BuildStarted(about, what string) {
	c.mu.Lock()
	if c.builds == nil {
		c.builds = map[string]*buildProgress{}
	}
	b := c.builds[about]
	if b == nil {
		b = &buildProgress{con: c, about: about, what: what}
		c.builds[about] = b
	}
	c.mu.Unlock()
	b.start()
}

// BuildEnded removes about's build from the status line; the build's result follows.
func (c *Console) BuildEnded(about string) {
	c.mu.Lock()
	b := c.builds[about]
	c.mu.Unlock()
	if b != nil {
		b.end()
	}
}

// noteLineLocked reads a line of a program's (or its build's) output for the go command's
// download progress. It is called with the console's lock held.
func (c *Console) noteLineLocked(text string) {
	if mod, ok := strings.CutPrefix(text, "go: downloading "); ok {
		c.downloads++
		c.downloading = mod
	}
}
