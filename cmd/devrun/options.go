package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// options is everything the command line can say about a run. The zero value of a field means
// "not given": defaults come from the target (Go mode watches the module, say) or the config
// file, and only flags the user typed override those (see flagSet.Changed).
type options struct {
	Watch          []string
	Ext            []string
	Ignore         []string
	Delay          time.Duration
	Signal         string
	Grace          time.Duration
	Exec           string
	Build          string
	BuildFlags     string
	Listen         []string
	Overlap        bool
	ReadyTimeout   time.Duration
	Poll           time.Duration
	Restart        string
	Name           string
	Env            []string
	EnvFile        string
	Clear          bool
	NoColor        bool
	Quiet          bool
	Verbose        bool
	Config         string
	NoGitignore    bool
	FollowSymlinks bool
	Version        bool
	Help           bool
	Debug          string // #15: "" off, "on", or [host:]port
	NoTemplates    bool

	// Target and Args are what follows the flags: the program and its arguments.
	Target string
	Args   []string

	changed func(name string) bool
}

const (
	defaultDelay        = 22 * time.Millisecond
	buildDelay          = 10 * time.Millisecond // the default quiet time when a build step runs first
	defaultGrace        = 5 * time.Second
	defaultReadyTimeout = 10 * time.Second
	defaultPoll         = 500 * time.Millisecond
)

// newFlagSet declares devrun's flags on o. The names follow nodemon where it has one.
func newFlagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("devrun", pflag.ContinueOnError)
	fs.SetInterspersed(false) // everything after TARGET belongs to the program
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}

	fs.StringArrayVarP(&o.Watch, "watch", "w", nil, "watch this folder or file (repeatable; default: the target's project)")
	fs.StringSliceVarP(&o.Ext, "ext", "e", nil, "only files with these extensions count, e.g. go,html")
	fs.StringArrayVarP(&o.Ignore, "ignore", "i", nil, "ignore paths matching this glob, relative to the watched folder (dir/ ignores a folder)")
	fs.VarP((*secondsOrDuration)(&o.Delay), "delay", "d", "quiet time after a change before restarting, e.g. 100ms or 1.5 (seconds); 10ms when a build runs first")
	fs.StringVarP(&o.Signal, "signal", "s", "SIGTERM", "signal that asks the program to stop")
	fs.DurationVar(&o.Grace, "grace", defaultGrace, "time the program gets to stop before it is killed")
	fs.StringVarP(&o.Exec, "exec", "x", "", "run with this command, e.g. 'python3 -u' (the whole command when no TARGET is given)")
	fs.StringVar(&o.Build, "build", "", "build command run before each start; a failed build keeps the old program running")
	fs.StringVar(&o.BuildFlags, "build-flags", "", "flags for go build, e.g. '-tags dev -race'")
	fs.StringArrayVar(&o.Listen, "listen", nil, "hold this listening socket across restarts, [name=]host:port or unix:/path (repeatable)")
	fs.BoolVar(&o.Overlap, "overlap", false, "start the new program first and stop the old one when the new one is ready")
	fs.DurationVar(&o.ReadyTimeout, "ready-timeout", defaultReadyTimeout, "with --overlap, how long the new program has to become ready")
	fs.Var((*pollFlag)(&o.Poll), "poll", "poll the file system instead of using events (default interval 500ms)")
	fs.Lookup("poll").NoOptDefVal = defaultPoll.String()
	fs.StringVar(&o.Restart, "restart", "on-crash", "when the program exits by itself: on-crash, always or never")
	fs.StringVar(&o.Name, "name", "", "name of this devrun for devrun ls/send (default: the folder's name)")
	fs.StringArrayVar(&o.Env, "env", nil, "set KEY=VALUE in the program's environment (repeatable)")
	fs.StringVar(&o.EnvFile, "env-file", "", "read KEY=VALUE lines from this file into the program's environment")
	fs.BoolVar(&o.Clear, "clear", false, "clear the screen before each restart")
	fs.BoolVar(&o.NoColor, "no-color", false, "no colours (also NO_COLOR=1)")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "print only errors")
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "say more: every changed file, the program's methods and events")
	fs.StringVar(&o.Config, "config", "", "read settings from this file (default: devrun.toml in the current folder)")
	fs.BoolVar(&o.NoGitignore, "no-gitignore", false, "do not honour .gitignore files")
	fs.BoolVar(&o.FollowSymlinks, "follow-symlinks", false, "watch inside symlinked folders (loops are detected)")
	fs.BoolVar(&o.Version, "version", false, "print the version and exit")
	fs.BoolVarP(&o.Help, "help", "h", false, "show this help")
	// #15
	fs.StringVar(&o.Debug, "debug", "", "run under a debugger an editor can attach to, on the same address across restarts (Go: dlv on 127.0.0.1:2345; Node: 9229; Python: debugpy, 5678); --debug=PORT for another")
	fs.Lookup("debug").NoOptDefVal = "on"
	fs.BoolVar(&o.NoTemplates, "no-templates", false, "Go mode: template files (.html .tmpl .tpl .gohtml) of the module's packages do not count")
	return fs
}

// parseOptions reads the flags and splits off TARGET and its arguments. A "--" right after
// TARGET is dropped, so `devrun ./app -- --port 8080` passes --port 8080 to the program.
func parseOptions(args []string) (*options, error) {
	o := &options{Delay: -1}
	fs := newFlagSet(o)
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err}
	}
	o.changed = fs.Changed
	rest := fs.Args()
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

// secondsOrDuration accepts Go durations ("150ms") and, as nodemon does, plain seconds ("2.5").
type secondsOrDuration time.Duration

func (d *secondsOrDuration) String() string {
	if *d < 0 {
		return defaultDelay.String()
	}
	return time.Duration(*d).String()
}
func (d *secondsOrDuration) Type() string { return "duration" }
func (d *secondsOrDuration) Set(s string) error {
	v, err := parseSecondsOrDuration(s)
	if err != nil {
		return err
	}
	*d = secondsOrDuration(v)
	return nil
}

func parseSecondsOrDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (try 100ms, 2s or 1.5)", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return v, nil
}

// pollFlag is --poll or --poll=INTERVAL.
type pollFlag time.Duration

func (p *pollFlag) String() string {
	if *p == 0 {
		return ""
	}
	return time.Duration(*p).String()
}
func (p *pollFlag) Type() string { return "interval" }
func (p *pollFlag) Set(s string) error {
	v, err := parseSecondsOrDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return fmt.Errorf("poll interval must be above zero")
	}
	*p = pollFlag(v)
	return nil
}

// exts normalises -e values: "go, .html" -> [go html].
func normaliseExts(in []string) []string {
	var out []string
	for _, e := range in {
		e = strings.TrimPrefix(strings.TrimSpace(e), ".")
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}
