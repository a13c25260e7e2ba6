package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

// level orders devrun's own lines: -q shows errors only, -v shows details too.
type level int

const (
	levelDetail level = iota // -v only: each changed file, methods, child events
	levelInfo                // starting, restarting because, exited
	levelGood                // build ok
	levelWarn                // crashes, fallbacks
	levelError               // failures the user must act on
)

// console writes devrun's own lines ("[devrun] ...") to stderr. It is the only place that
// decides colour and verbosity, so every line looks the same wherever it comes from.
type console struct {
	mu       sync.Mutex
	w        io.Writer
	quiet    bool
	verbose  bool
	useColor bool
	colors   map[level]*color.Color
	prefix   *color.Color
	// tee receives every line as printed, without colour, for `devrun logs`.
	tee func(line string)
	// labelWidth aligns process prefixes; prefixes counts them to rotate colours.
	labelWidth int
	prefixes   int

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
	portsSaid   map[string]bool // "process port pid" whose holder was named (portinuse.go)
}

func newConsole(w io.Writer, noColor, quiet, verbose bool) *console {
	c := &console{w: w, quiet: quiet, verbose: verbose}
	c.useColor = !noColor && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" && isTerminal(w)
	c.colors = map[level]*color.Color{
		levelDetail: color.New(color.Faint),
		levelInfo:   color.New(color.FgCyan),
		levelGood:   color.New(color.FgGreen),
		levelWarn:   color.New(color.FgYellow),
		levelError:  color.New(color.FgRed, color.Bold),
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

func mapValues(m map[level]*color.Color) []*color.Color {
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

// printf writes one line at the given level; about names the process it concerns when devrun
// runs several.
func (c *console) printf(lv level, about string, format string, args ...any) {
	if (c.quiet && lv < levelError) || (!c.verbose && lv == levelDetail) {
		if c.tee != nil && lv > levelDetail {
			c.tee(plainLine(about, fmt.Sprintf(format, args...)))
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
	if c.tee != nil {
		c.tee(plainLine(about, msg))
	}
}

// printAfterOutput is printf for a line about something that ended (a program, a build): it
// first waits until what the programs wrote before is on the screen.
func (c *console) printAfterOutput(lv level, about string, format string, args ...any) {
	if !c.verbose && lv == levelDetail {
		return // neither shown nor kept
	}
	c.mu.Lock()
	streams := c.streams
	c.mu.Unlock()
	for _, s := range streams {
		s.drain()
	}
	c.printf(lv, about, format, args...)
}

// setStatus shows text as key's part of the status line on a terminal, in place of the part it
// had; "" removes it.
func (c *console) setStatus(key, text string) {
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
func (c *console) useStatus() bool { return !c.quiet && isTerminal(c.w) }

func (c *console) hideStatusLocked() {
	if c.statusShown {
		fmt.Fprint(c.w, "\r\033[K")
		c.statusShown = false
	}
}

func (c *console) showStatusLocked() {
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
	fmt.Fprint(c.w, c.prefix.Sprint("[devrun] ")+c.colors[levelInfo].Sprint(text))
	c.statusShown = true
}

func plainLine(about, msg string) string {
	if about != "" {
		return "[devrun] " + about + ": " + msg
	}
	return "[devrun] " + msg
}

func (c *console) clearScreen() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if isTerminal(c.w) {
		fmt.Fprint(c.w, "\033[2J\033[3J\033[H")
	}
}

// processColors are given out in turn to the processes of a multi-process run.
var processColors = []color.Attribute{color.FgBlue, color.FgMagenta, color.FgGreen, color.FgYellow, color.FgCyan, color.FgRed}

// processPrefix is the aligned, coloured "web.0 | " that starts each line of a process's output.
func (c *console) processPrefix(label string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	col := color.New(processColors[c.prefixes%len(processColors)])
	c.prefixes++
	if c.useColor {
		col.EnableColor()
	} else {
		col.DisableColor()
	}
	return col.Sprintf("%-*s | ", c.labelWidth, label)
}
