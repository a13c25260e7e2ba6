package config

import (
	"os"
	"path/filepath"
	"time"
)

// FileName is the config file devrun looks for in the folder it starts in.
const FileName = "devrun.toml"

// Process is the settings of one process: every setting a command-line flag has. Zero values
// mean "not set" except where Set says otherwise; Set tells a file's explicit 0 or false from
// an absent key, so that flags and built-in defaults fill only what the file left out.
type Process struct {
	Name         string            // table name ("web"); "" for the lone top-level process
	Run          string            // the TARGET as on the command line, relative to Dir
	Args         []string          // the child's arguments
	Exec         string            // -x
	Build        string            // --build
	BuildFlags   []string          // --build-flags
	Watch        []string          // -w, absolute
	Ext          []string          // -e, without dots
	Ignore       []string          // -i, globs relative to the watch root
	Delay        time.Duration     // -d
	Signal       string            // -s, as "SIGTERM"; ParseSignal turns it into a signal
	Grace        time.Duration     // --grace
	Restart      string            // "on-crash", "always" or "never"
	Env          map[string]string // --env
	EnvFile      string            // --env-file, absolute
	Listen       []string          // --listen "[name=]addr"
	Overlap      bool              // --overlap
	ReadyTimeout time.Duration     // how long --overlap waits for readiness
	Scale        int               // instances; 1 when not set
	DependsOn    []string          // processes to start (and see ready) first
	Poll         time.Duration     // --poll
	NoGitignore  bool              // --no-gitignore
	Dir          string            // working folder, absolute; the file's folder when not set
	Debug        bool              // --debug: under a debugger at its default address
	NoTemplates  bool              // --no-templates
	Set          map[string]bool   // the keys given (in the table or at the top level), as spelled in the file
}

// IsSet reports whether the file gave key ("delay", "build_flags"...) for this process.
func (p *Process) IsSet(key string) bool { return p.Set[key] }

// Config is a whole devrun.toml.
type Config struct {
	Path    string // as given to Load: errors name the file this way
	Dir     string // absolute folder of the file
	Name    string // --name: the control socket's name
	Clear   bool
	NoColor bool
	Quiet   bool
	Verbose bool
	Set     map[string]bool // top-level-only keys given (name, clear, no_color, quiet, verbose)

	// Defaults holds the top-level process keys: what a target given on the command line uses.
	Defaults Process
	// Processes in file order, defaults applied; or the one top-level process when the file
	// has run (or exec) at the top and no [process.NAME] table; or none.
	Processes []Process
}

// Find returns the devrun.toml of dir, if there is one.
func Find(dir string) (string, bool) {
	p := filepath.Join(dir, FileName)
	fi, err := os.Stat(p)
	return p, err == nil && fi.Mode().IsRegular()
}

// Load reads and checks a config file. Every problem found is reported, as an *Error when there
// is one and as Errors when there are several; each names the file, the line and the key.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return parse(path, filepath.Dir(abs), string(data))
}
