package session

import (
	"fmt"
	"io"
)

// Level orders devrun's own lines: -q shows errors only, -v shows details too.
type Level int

const (
	LevelDetail Level = iota // -v only: each changed file, methods, child events
	LevelInfo                // starting, restarting because, exited
	LevelGood                // build ok
	LevelWarn                // crashes, fallbacks
	LevelError               // failures the user must act on
)

// Reporter is the terminal side of a session (internal/terminal's Console): devrun's own lines, the
// build status, and where the programs' output goes. about names the process a line concerns
// ("" when it runs alone; "web.1" for an instance of a scaled one).
type Reporter interface {
	Printf(lv Level, about, format string, args ...any)
	// PrintfAfterOutput is Printf for a line about something that ended (a program, a
	// build): it comes after what the programs wrote before.
	PrintfAfterOutput(lv Level, about, format string, args ...any)
	ClearScreen()
	// BuildStarted and BuildEnded frame a build of what (as the user named it: ./cmd/server).
	BuildStarted(about, what string)
	BuildEnded(about string)
	// Output is where an instance's stdout and stderr go. label marks its lines ("" alone:
	// unmarked), aligned to width columns.
	Output(label string, width int) (stdout, stderr io.Writer)
}

// InputError is bad input found before anything started (a missing watch path, an unknown
// signal, a target that is not there): devrun prints it and exits with status 2.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

func badInput(format string, args ...any) error { return InputError{fmt.Errorf(format, args...)} }
