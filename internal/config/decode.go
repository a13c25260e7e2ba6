package config

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/internal/target"
)

// loader collects the problems of one file.
type loader struct {
	file  string
	lines keyLines
	errs  Errors
	seen  map[string]bool
}

// fail records a problem with key; the same problem reached twice (a top-level default read for
// each process) is reported once.
func (l *loader) fail(key []string, format string, args ...any) {
	e := &Error{File: l.file, Line: l.lines.line(key), Key: dotted(key), Msg: fmt.Sprintf(format, args...)}
	id := e.Error()
	if l.seen[id] {
		return
	}
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	l.seen[id] = true
	l.errs = append(l.errs, e)
}

// entry is one key's raw value and where it was written (top level or the process's table).
type entry struct {
	val any
	key []string
}

// process reads the entries of one process. A relative path is relative to the folder of the
// table it is written in: topDir (the top level's dir) for an inherited default, the process's
// own dir for its table's keys; so a top-level env_file = ".env" means the project's .env
// whatever dir a process sets.
func (l *loader) process(name string, entries map[string]entry, fileDir, topDir string, baseEnv map[string]string) Process {
	p := Process{Name: name, Scale: 1, Dir: topDir, Set: map[string]bool{}}
	if e, ok := entries["dir"]; ok {
		// First: the other relative paths of the table hang on it.
		if d, ok := l.path(e, fileDir, true); ok {
			p.Dir = d
		}
	}
	base := func(e entry) string {
		if len(e.key) == 1 && name != "" {
			return topDir
		}
		return p.Dir
	}
	p.Env = maps.Clone(baseEnv)
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		e := entries[k]
		p.Set[k] = true
		switch k {
		case "run":
			p.Run, _ = l.str(e)
		case "args":
			p.Args, _ = l.args(e)
		case "exec":
			p.Exec, _ = l.str(e)
		case "build":
			p.Build, _ = l.str(e)
		case "build_flags":
			p.BuildFlags, _ = l.args(e)
		case "watch":
			if list, ok := l.list(e); ok {
				for _, w := range list {
					if abs, ok := l.path(entry{w, e.key}, base(e), false); ok {
						p.Watch = append(p.Watch, abs)
					}
				}
			}
		case "ext":
			p.Ext, _ = l.exts(e)
		case "ignore":
			p.Ignore, _ = l.list(e)
		case "delay":
			p.Delay, _ = l.duration(e)
		case "grace":
			p.Grace, _ = l.duration(e)
		case "ready_timeout":
			p.ReadyTimeout, _ = l.duration(e)
		case "poll":
			p.Poll, _ = l.duration(e)
		case "signal":
			p.Signal, _ = l.signal(e)
		case "restart":
			p.Restart, _ = l.restart(e)
		case "env":
			l.env(e, &p)
		case "env_file":
			if s, ok := l.str(e); ok {
				if abs, ok := l.regularFile(entry{s, e.key}, base(e)); ok {
					p.EnvFile = abs
				}
			}
		case "listen":
			p.Listen, _ = l.listen(e, base(e))
		case "overlap":
			p.Overlap, _ = l.boolean(e)
		case "no_gitignore":
			p.NoGitignore, _ = l.boolean(e)
		case "scale":
			if n, ok := l.integer(e); ok {
				if n < 1 {
					l.fail(e.key, "scale must be 1 or more, got %d", n)
				} else {
					p.Scale = int(n)
				}
			}
		case "depends_on":
			p.DependsOn, _ = l.list(e)
		case "debug": // #15
			p.Debug, _ = l.boolean(e)
		case "no_templates":
			p.NoTemplates, _ = l.boolean(e)
		}
	}
	return p
}

func typeName(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("a string (%q)", v)
	case int64:
		return fmt.Sprintf("an integer (%d)", v)
	case float64:
		return fmt.Sprintf("a float (%g)", v)
	case bool:
		return fmt.Sprintf("a boolean (%t)", v)
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("%T", v)
}

func (l *loader) str(e entry) (string, bool) {
	s, ok := e.val.(string)
	if !ok {
		l.fail(e.key, "want a string, got %s", typeName(e.val))
	}
	return s, ok
}

func (l *loader) boolean(e entry) (bool, bool) {
	b, ok := e.val.(bool)
	if !ok {
		l.fail(e.key, "want true or false, got %s", typeName(e.val))
	}
	return b, ok
}

func (l *loader) integer(e entry) (int64, bool) {
	n, ok := e.val.(int64)
	if !ok {
		l.fail(e.key, "want an integer, got %s", typeName(e.val))
	}
	return n, ok
}

// list reads an array of strings; one string stands for a list of one.
func (l *loader) list(e entry) ([]string, bool) {
	switch v := e.val.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for i, item := range v {
			s, ok := item.(string)
			if !ok {
				l.fail(e.key, "want a list of strings, item %d is %s", i+1, typeName(item))
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	l.fail(e.key, "want a list of strings, got %s", typeName(e.val))
	return nil, false
}

// args reads a list of arguments, or one string split with shell quoting as on the command line.
func (l *loader) args(e entry) ([]string, bool) {
	if s, ok := e.val.(string); ok {
		words, err := target.SplitArgs(s)
		if err != nil {
			l.fail(e.key, "%v", err)
			return nil, false
		}
		return words, true
	}
	return l.list(e)
}

// exts reads extensions as a list or nodemon's "js,json" string, without dots.
func (l *loader) exts(e entry) ([]string, bool) {
	var raw []string
	if s, ok := e.val.(string); ok {
		raw = strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	} else if list, ok := l.list(e); ok {
		raw = list
	} else {
		return nil, false
	}
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		x = strings.TrimPrefix(strings.TrimSpace(x), ".")
		if x == "" || strings.ContainsAny(x, "/*") {
			l.fail(e.key, "%q is not a file extension (write \"go\" or \".go\"; globs go in ignore or watch)", x)
			return nil, false
		}
		out = append(out, x)
	}
	return out, true
}

func (l *loader) duration(e entry) (time.Duration, bool) {
	switch v := e.val.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			l.fail(e.key, "%q is not a duration (write \"500ms\", \"2s\" or \"1m30s\")", v)
			return 0, false
		}
		if d < 0 {
			l.fail(e.key, "%q is negative", v)
			return 0, false
		}
		return d, true
	case int64, float64:
		l.fail(e.key, "%v has no unit: write a duration string such as \"%vms\" or \"%vs\"", v, v, v)
		return 0, false
	}
	l.fail(e.key, "want a duration string such as \"500ms\", got %s", typeName(e.val))
	return 0, false
}

var restartPolicies = []string{"on-crash", "always", "never"}

func (l *loader) restart(e entry) (string, bool) {
	s, ok := l.str(e)
	if !ok {
		return "", false
	}
	if slices.Contains(restartPolicies, s) {
		return s, true
	}
	l.fail(e.key, "%q is not a restart policy: on-crash, always or never%s", s, didYouMean(s, restartPolicies))
	return "", false
}

func (l *loader) signal(e entry) (string, bool) {
	s, ok := l.str(e)
	if !ok {
		return "", false
	}
	name := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if slices.Contains(signalNames, name) {
		return name, true
	}
	if hint := didYouMean(name, signalNames); hint != "" {
		l.fail(e.key, "%q is not a signal devrun can send%s", s, hint)
	} else {
		l.fail(e.key, "%q is not a signal devrun can send (%s)", s, strings.Join(signalNames, ", "))
	}
	return "", false
}

// env reads a table of variables. Numbers and booleans are taken as their text (PORT = 8080).
func (l *loader) env(e entry, p *Process) {
	table, ok := e.val.(map[string]any)
	if !ok {
		l.fail(e.key, "want a table of variables (env = { PORT = \"8080\" }), got %s", typeName(e.val))
		return
	}
	if p.Env == nil {
		p.Env = map[string]string{}
	}
	for _, k := range slices.Sorted(maps.Keys(table)) {
		key := append(slices.Clip(e.key), k)
		if k == "" || strings.ContainsAny(k, "=\x00") {
			l.fail(key, "not a valid environment variable name")
			continue
		}
		switch v := table[k].(type) {
		case string:
			p.Env[k] = v
		case int64:
			p.Env[k] = strconv.FormatInt(v, 10)
		case float64:
			p.Env[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			p.Env[k] = strconv.FormatBool(v)
		default:
			l.fail(key, "want a string, got %s", typeName(v))
		}
	}
}

// path makes a path absolute against base and checks that it exists (and is a folder when
// wantDir): a typo in a path is better reported with its line than by the watcher later.
func (l *loader) path(e entry, base string, wantDir bool) (string, bool) {
	s, ok := l.str(e)
	if !ok {
		return "", false
	}
	p := s
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		l.fail(e.key, "%s: no such file or folder", s)
		return "", false
	case wantDir && !fi.IsDir():
		l.fail(e.key, "%s is not a folder", s)
		return "", false
	}
	return filepath.Clean(p), true
}

// regularFile is path for a regular file.
func (l *loader) regularFile(e entry, base string) (string, bool) {
	p, ok := l.path(e, base, false)
	if ok {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			l.fail(e.key, "%s is a folder, not a file", e.val)
			return "", false
		}
	}
	return p, ok
}

// listenName is the form of a socket name in "[name=]addr" (systemd's LISTEN_FDNAMES allows
// more, but a name is meant to be typed).
var listenName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// listen reads listen specs, checking each address, and makes relative unix socket paths
// absolute: the process runs in dir, devrun itself may not.
func (l *loader) listen(e entry, dir string) ([]string, bool) {
	list, ok := l.list(e)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, spec := range list {
		a, err := parseListen(spec, dir)
		if err != nil {
			l.fail(e.key, "%v", err)
			return nil, false
		}
		out = append(out, a.spec())
	}
	return out, true
}

// listenAddr is one parsed listen spec.
type listenAddr struct {
	name string
	unix bool   // path in host
	host string // "" for every address
	port string
}

func (a listenAddr) spec() string {
	addr := net.JoinHostPort(a.host, a.port)
	if a.unix {
		addr = a.host
	}
	if a.name != "" {
		return a.name + "=" + addr
	}
	return addr
}

func parseListen(spec, dir string) (listenAddr, error) {
	var a listenAddr
	addr := spec
	if name, rest, ok := strings.Cut(spec, "="); ok && !strings.ContainsAny(name, "/:") {
		if !listenName.MatchString(name) {
			return a, fmt.Errorf("%q: the name before = may hold letters, digits, _ . and - only", spec)
		}
		a.name, addr = name, rest
	}
	if p, ok := strings.CutPrefix(addr, "unix:"); ok || strings.ContainsRune(addr, '/') {
		if !ok {
			p = addr
		}
		if p == "" {
			return a, fmt.Errorf("%q: no socket path after unix:", spec)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		a.unix, a.host = true, filepath.Clean(p)
		return a, nil
	}
	if _, err := strconv.Atoi(addr); err == nil {
		return a, fmt.Errorf("%q: write \":%s\" (every address) or \"127.0.0.1:%s\"", spec, addr, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return a, fmt.Errorf("%q is not host:port, :port or a unix socket path", spec)
	}
	if n, err := strconv.Atoi(port); err != nil {
		if _, err := net.LookupPort("tcp", port); err != nil {
			return a, fmt.Errorf("%q: unknown port %q", spec, port)
		}
	} else if n < 0 || n > 65535 {
		return a, fmt.Errorf("%q: port %d is out of range", spec, n)
	}
	a.host, a.port = host, port
	return a, nil
}
