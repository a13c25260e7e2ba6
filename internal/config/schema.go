package config

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devrun-dev/devrun/runner"
	"github.com/devrun-dev/devrun/watcher"
)

// Settings is everything devrun can be told, by its flags or by devrun.toml: the settings of
// devrun itself, and (embedded) those of a process, which at the top level of the file are the
// defaults of every [process.NAME] table.
//
// Each field's tags make it a devrun.toml key and a flag at once:
//
//	key     the devrun.toml key; the flag is the same name in kebab-case (build_flags, --build-flags)
//	short   the one-letter flag, if any
//	kind    how a value is read (see kinds.go); one parser per kind serves flags and the file
//	def     the default, as a flag would write it ("" when the default depends on the target)
//	noopt   the value of the flag given without one (--poll means --poll=500ms)
//	flag    "-" when the setting is not a flag (it is positional: TARGET, ARGS)
//	help    one line of help, shown by devrun -h and in completion
type Settings struct {
	Process

	Name    string `key:"name" kind:"name" help:"name of this devrun for ls, send, logs (default: the folder's name)"`
	Clear   bool   `key:"clear" kind:"bool" help:"clear the screen before each restart"`
	NoColor bool   `key:"no_color" kind:"bool" help:"no colours (also NO_COLOR=1)"`
	Quiet   bool   `key:"quiet" short:"q" kind:"bool" help:"print only errors and crashes"`
	Verbose bool   `key:"verbose" short:"v" kind:"bool" help:"say more: every changed file, the program's methods and events"`
}

// Process is the settings of one process.
type Process struct {
	Run            string        `key:"run" flag:"-" kind:"string" help:"what to run: a Go package, a script, an executable or a command (TARGET)"`
	Args           []string      `key:"args" flag:"-" kind:"args" help:"the program's arguments (ARGS)"`
	DependsOn      []string      `key:"depends_on" flag:"-" kind:"names" help:"processes to start, and see ready, first"`
	Exec           string        `key:"exec" short:"x" kind:"string" help:"run with this command, e.g. 'python3 -u' (the whole command when no TARGET)"`
	Build          string        `key:"build" kind:"string" help:"build command run before each start; a failed build keeps the old program"`
	BuildFlags     []string      `key:"build_flags" kind:"args" help:"flags for go build, e.g. '-tags dev -race'"`
	Watch          []string      `key:"watch" short:"w" kind:"paths" help:"watch this folder or file instead of the target's defaults; +DIR adds one"`
	Ext            []string      `key:"ext" short:"e" kind:"exts" help:"only files with these extensions count, e.g. go,html; +tmpl adds to the defaults"`
	Ignore         []string      `key:"ignore" short:"i" kind:"globs" help:"ignore paths matching this glob (dir/ ignores a folder); adds to the defaults"`
	Delay          time.Duration `key:"delay" short:"d" kind:"duration" help:"quiet time after a change, e.g. 100ms or 1.5 (seconds); default 22ms, 10ms with a build"`
	Signal         string        `key:"signal" short:"s" kind:"signal" def:"SIGTERM" help:"signal that asks the program to stop"`
	Grace          time.Duration `key:"grace" kind:"duration" help:"time the program gets to stop before it is killed"`
	Restart        string        `key:"restart" kind:"restart" def:"on-crash" help:"when the program exits by itself: on-crash, always or never"`
	Env            []string      `key:"env" kind:"env" help:"set KEY=VALUE in the program's environment"`
	EnvFile        string        `key:"env_file" kind:"file" help:"read KEY=VALUE lines from this file into the program's environment"`
	Listen         []string      `key:"listen" kind:"listen" help:"hold this listening socket across restarts: [name=]host:port or a unix socket path"`
	Overlap        bool          `key:"overlap" kind:"bool" help:"start the new program first; stop the old one when the new one is ready"`
	ReadyTimeout   time.Duration `key:"ready_timeout" kind:"duration" help:"how long a new program has to become ready (--overlap, depends_on)"`
	Scale          int           `key:"scale" kind:"count" def:"1" help:"how many instances of the program to run"`
	Dir            string        `key:"dir" kind:"dir" help:"the program's working folder (default: the current folder, or the file's)"`
	Poll           time.Duration `key:"poll" kind:"duration" help:"poll the file system at this interval instead of using events (--poll: 500ms)"`
	SendOn         []string      `key:"send_on" kind:"send_rule" help:"GLOB=METHOD: a change of matching files calls the program's METHOD instead of restarting it"`
	RunOn          []string      `key:"run_on" kind:"run_rule" help:"GLOB=COMMAND: a change of matching files runs COMMAND instead of restarting"`
	SignalOn       []string      `key:"signal_on" kind:"signal_rule" help:"GLOB=SIGNAL: a change of matching files sends SIGNAL instead of restarting"`
	OnChange       []Rule        `key:"on_change" flag:"-" kind:"rules" help:"[[on_change]] tables: files, and one of send, run or signal (the table form of send_on, run_on, signal_on)"`
	Browser        string        `key:"browser" kind:"hostport" noopt:"127.0.0.1:3000" help:"serve a proxy that reloads the page when the new program is ready and shows build errors (--browser: 127.0.0.1:3000)"`
	BrowserTo      string        `key:"browser_to" kind:"hostport" help:"the program's address for browser (default: its one TCP listen socket, else the port it opens)"`
	Debug          string        `key:"debug" kind:"debug" noopt:"on" help:"run under a debugger an editor can attach to, at one address across restarts (Go: dlv, 127.0.0.1:2345; Node: 9229; Python: debugpy, 5678); --debug=PORT for another"`
	NoTemplates    bool          `key:"no_templates" kind:"bool" help:"Go mode: template files (.html .tmpl .tpl .gohtml) of the module's packages do not count"`
	NoGitignore    bool          `key:"no_gitignore" kind:"bool" help:"do not honour .gitignore files"`
	FollowSymlinks bool          `key:"follow_symlinks" kind:"bool" help:"watch inside symlinked folders (loops are detected)"`

	// Name is the [process.NAME] table's name; "" for the lone process. Not a setting.
	Name string `key:"-"`
	// Set holds the keys that were given (in the file, or as flags): a setting that was not
	// given takes the target's default, so its zero value must not override anything.
	Set map[string]bool `key:"-"`
}

// Rule says what a change of the files it matches does instead of a restart: exactly one of
// Send, Run and Signal is set.
type Rule struct {
	Files  []string // doublestar globs, relative to the process's folder
	Send   string   // call this method of the program with {"files": [...]}
	Run    string   // run this command (sh -c) in the process's folder
	Signal string   // send this signal to the program
	// Restart also restarts the program, after Run.
	Restart bool
}

// Rules is every rule of the process in the order they are matched: the on_change tables,
// then send_on, run_on and signal_on.
func (p *Process) Rules() []Rule {
	out := slices.Clone(p.OnChange)
	for _, group := range []struct {
		specs []string
		set   func(*Rule, string)
	}{
		{p.SendOn, func(r *Rule, v string) { r.Send = v }},
		{p.RunOn, func(r *Rule, v string) { r.Run = v }},
		{p.SignalOn, func(r *Rule, v string) { r.Signal = v }},
	} {
		for _, spec := range group.specs {
			glob, value, _ := strings.Cut(spec, "=")
			r := Rule{Files: []string{glob}}
			group.set(&r, value)
			out = append(out, r)
		}
	}
	return out
}

// IsSet reports whether key ("delay", "build_flags"...) was given for this process.
func (p *Process) IsSet(key string) bool { return p.Set[key] }

// libraryDefaults are the defaults that the packages applying them own.
var libraryDefaults = map[string]string{
	"grace":         runner.DefaultGrace.String(),
	"ready_timeout": runner.DefaultReadyTimeout.String(),
}

// Field is one setting of the schema.
type Field struct {
	Key   string // devrun.toml key: build_flags
	Flag  string // command-line flag: build-flags; "" when the setting is not a flag
	Short string
	Kind  *Kind
	Def   string // default, as a flag value; "" when it depends on the target
	NoOpt string // the flag's value when given without one
	Help  string
	// Top is true for the settings of devrun itself (Settings), false for a process's.
	Top   bool
	index []int
}

// value is f's field in s.
func (f *Field) value(s *Settings) reflect.Value {
	if f.Top {
		return reflect.ValueOf(s).Elem().FieldByIndex(f.index)
	}
	return f.inProcess(&s.Process)
}

// inProcess is a process setting's field in p.
func (f *Field) inProcess(p *Process) reflect.Value {
	return reflect.ValueOf(p).Elem().FieldByIndex(f.index)
}

// Fields lists every setting in declaration order: a process's, then devrun's own.
var Fields = sync.OnceValue(func() []*Field {
	var out []*Field
	var walk func(t reflect.Type, top bool)
	walk = func(t reflect.Type, top bool) {
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.Anonymous {
				walk(sf.Type, false)
				continue
			}
			key := sf.Tag.Get("key")
			if key == "-" || key == "" {
				continue
			}
			k := kinds[sf.Tag.Get("kind")]
			if k == nil {
				panic("config: field " + sf.Name + " has no known kind")
			}
			f := &Field{Key: key, Short: sf.Tag.Get("short"), Kind: k, Def: sf.Tag.Get("def"),
				NoOpt: sf.Tag.Get("noopt"), Help: sf.Tag.Get("help"), Top: top, index: []int{i}}
			if def, ok := libraryDefaults[key]; ok {
				f.Def = def
			}
			if key == "poll" {
				f.NoOpt = watcher.DefaultPollInterval.String()
			}
			if sf.Tag.Get("flag") != "-" {
				f.Flag = strings.ReplaceAll(key, "_", "-")
			}
			out = append(out, f)
		}
	}
	walk(reflect.TypeFor[Settings](), true)
	return out
})

// FieldByKey finds a setting by its devrun.toml key.
func FieldByKey(key string) *Field {
	for _, f := range Fields() {
		if f.Key == key {
			return f
		}
	}
	return nil
}

// FieldByFlag finds a setting by its long flag name.
func FieldByFlag(name string) *Field {
	for _, f := range Fields() {
		if f.Flag == name && f.Flag != "" {
			return f
		}
	}
	return nil
}

// Defaults is a Process with every fixed default filled in and nothing marked as set.
func Defaults() Settings {
	var s Settings
	for _, f := range Fields() {
		if f.Def == "" {
			continue
		}
		v, err := f.Kind.parse(f.Def, "")
		if err != nil {
			panic("config: default of " + f.Key + ": " + err.Error())
		}
		f.value(&s).Set(reflect.ValueOf(v))
	}
	s.Set = map[string]bool{}
	return s
}
