package terminal

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	sess "github.com/devrun-dev/devrun/session"
	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

// Console writes devrun's own lines ("[devrun] ...") to stderr. It is the only place that
// decides colour and verbosity, so every line looks the same wherever it comes from.
type Console struct {
	mu       sync.Mutex
	w        io.Writer
	quiet    bool
	verbose  bool
	useColor bool
	colors   map[sess.Level]*color.Color
	prefix   *color.Color
	prefixes int // process prefixes given out, to rotate their colours

	// The programs' outputs that share the screen: their open lines are ended before one of
	// devrun's, and their streams drained before a line about something that ended.
	outputs []*childOutput
	streams []*outputStream

	// status is a line kept up to date at the bottom of a terminal (builds in progress, one
	// part per process), shown while no other output is under way.
	status      map[string]string
	statusShown bool
	// What the go command last said it is downloading, and how many so far (buildprogress.go).
	downloading string
	downloads   int
	builds      map[string]*buildProgress // by the about of the instance that builds

	out  io.Writer  // where the programs' stdout goes (devrun's own stdout)
	ring *sess.Logs // devrun's lines and the programs', for devrun logs
	ptys []ptyOut   // the programs' ptys, which follow the terminal's size
}

// New writes devrun's lines to w and the programs' output to out, and keeps both in ring.
func New(out, w io.Writer, ring *sess.Logs, noColor, quiet, verbose bool) *Console {
	c := &Console{w: w, out: out, ring: ring, quiet: quiet, verbose: verbose}
	c.useColor = !noColor && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" && isTerminal(w)
	c.colors = map[sess.Level]*color.Color{
		sess.LevelDetail: color.New(color.Faint),
		sess.LevelInfo:   color.New(color.FgCyan),
		sess.LevelGood:   color.New(color.FgGreen),
		sess.LevelWarn:   color.New(color.FgYellow),
		sess.LevelError:  color.New(color.FgRed, color.Bold),
	}
	c.prefix = color.New(color.FgCyan, color.Bold)
	for _, col := range append(mapValues(c.colors), c.prefix) {
		if c.useColor {
			col.EnableColor()
		} else {
			col.DisableColor()
		}
	}
	return c
}

func mapValues(m map[sess.Level]*color.Color) []*color.Color {
	out := make([]*color.Color, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Printf writes one line at the given level; about names the process it concerns when devrun
// runs several.
func (c *Console) Printf(lv sess.Level, about string, format string, args ...any) {
	if (c.quiet && lv < sess.LevelError) || (!c.verbose && lv == sess.LevelDetail) {
		if lv > sess.LevelDetail {
			c.keep(about, fmt.Sprintf(format, args...))
		}
		return
	}
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hideStatusLocked()
	defer c.showStatusLocked()
	for _, o := range c.outputs {
		o.endLineLocked()
	}
	head := "[devrun] "
	if about != "" {
		head = "[devrun] " + about + ": "
	}
	fmt.Fprintln(c.w, c.prefix.Sprint(head)+c.colors[lv].Sprint(msg))
	c.keep(about, msg)
}

// PrintfAfterOutput is Printf for a line about something that ended (a program, a build): it
// first waits until what the programs wrote before is on the screen.
func (c *Console) PrintfAfterOutput(lv sess.Level, about string, format string, args ...any) {
	if !c.verbose && lv == sess.LevelDetail {
		return // neither shown nor kept
	}
	c.mu.Lock()
	streams := c.streams
	c.mu.Unlock()
	for _, s := range streams {
		s.drain()
	}
	c.Printf(lv, about, format, args...)
}

// setStatus shows text as key's part of the status line on a terminal, in place of the part it
// had; "" removes it.
func (c *Console) setStatus(key, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.useStatus() {
		return
	}
	c.hideStatusLocked()
	if c.status == nil {
		c.status = map[string]string{}
	}
	if text == "" {
		delete(c.status, key)
	} else {
		c.status[key] = text
	}
	c.showStatusLocked()
}

// useStatus: a status line rewrites itself, which only a terminal can show.
func (c *Console) useStatus() bool { return !c.quiet && isTerminal(c.w) }

func (c *Console) hideStatusLocked() {
	if c.statusShown {
		fmt.Fprint(c.w, "\r\033[K")
		c.statusShown = false
	}
}

func (c *Console) showStatusLocked() {
	if len(c.status) == 0 || c.statusShown {
		return
	}
	for _, o := range c.outputs {
		if o.open {
			return // the program is in the middle of a line
		}
	}
	parts := make([]string, 0, len(c.status))
	for _, p := range c.status {
		parts = append(parts, p)
	}
	sort.Strings(parts)
	text := strings.Join(parts, "  ")
	if cols := terminalWidth(c.w); cols > 0 {
		// Longer than the terminal, it would wrap, and "\r" would no longer take it back.
		if r := []rune(text); len(r) > cols-len("[devrun] ")-1 {
			text = string(r[:max(cols-len("[devrun] ")-2, 0)]) + "…"
		}
	}
	fmt.Fprint(c.w, c.prefix.Sprint("[devrun] ")+c.colors[sess.LevelInfo].Sprint(text))
	c.statusShown = true
}

// keep adds one of devrun's lines, as printed but without colour, to `devrun logs`.
func (c *Console) keep(about, msg string) {
	line := "[devrun] " + msg
	if about != "" {
		line = "[devrun] " + about + ": " + msg
	}
	c.ring.Add("devrun", line)
}

func (c *Console) ClearScreen() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if isTerminal(c.w) {
		fmt.Fprint(c.w, "\033[2J\033[3J\033[H")
	}
}

// processColors are given out in turn to the processes of a multi-process run.
var processColors = []color.Attribute{color.FgBlue, color.FgMagenta, color.FgGreen, color.FgYellow, color.FgCyan, color.FgRed}

// processPrefix is the aligned, coloured "web.0 | " that starts each line of a process's output.
func (c *Console) processPrefix(label string, width int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	col := color.New(processColors[c.prefixes%len(processColors)])
	c.prefixes++
	if c.useColor {
		col.EnableColor()
	} else {
		col.DisableColor()
	}
	return col.Sprintf("%-*s | ", width, label)
}
