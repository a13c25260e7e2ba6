package cli

import "fmt"

// UsageError marks bad command-line input: devrun says so, points to -h and exits with status 2.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// InputError is input that no retry cures (several devruns and no NAME): devrun says so and
// exits with status 2, without the pointer to -h, since the command line itself was fine.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

// ExitCodeError ends devrun with a status and nothing more to say (the reason was printed).
type ExitCodeError int

func (e ExitCodeError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
