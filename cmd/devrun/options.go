package main

import (
	"errors"
	"io"

	"github.com/devrun-dev/devrun/internal/config"
)

// options is the command line: the settings (config.Flags, one schema with devrun.toml) and
// what is not a setting: the config file to read, -h, --version, TARGET and its arguments.
type options struct {
	flags   *config.Flags
	Config  string
	Version bool
	Help    bool

	// Target and Args are what follows the flags: the program and its arguments.
	Target string
	Args   []string
}

// newOptions declares devrun's flags. The names follow nodemon where it has one.
func newOptions() *options {
	o := &options{flags: config.NewFlags("devrun")}
	fs := o.flags.FlagSet
	fs.SetInterspersed(false) // everything after TARGET belongs to the program
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&o.Config, "config", "", "read settings from this file (default: devrun.toml in the current folder)")
	fs.BoolVar(&o.Version, "version", false, "print the version and exit")
	fs.BoolVarP(&o.Help, "help", "h", false, "show this help")
	return o
}

// parseOptions reads the flags and splits off TARGET and its arguments. A "--" right after
// TARGET is dropped, so `devrun ./app -- --port 8080` passes --port 8080 to the program.
func parseOptions(args []string) (*options, error) {
	o := newOptions()
	if err := o.flags.Parse(args); err != nil {
		var bad *config.FlagError
		if errors.As(err, &bad) {
			return nil, inputError{err} // a bad value: the message says it all
		}
		return nil, usageError{err}
	}
	rest := o.flags.FlagSet.Args()
	if len(rest) > 0 {
		o.Target, rest = rest[0], rest[1:]
		if len(rest) > 0 && rest[0] == "--" {
			rest = rest[1:]
		}
		o.Args = rest
	}
	return o, nil
}

// usageError marks bad command-line input: devrun says so and exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }
