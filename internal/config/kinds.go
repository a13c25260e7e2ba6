package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/target"
	"github.com/devrun-dev/devrun/runner"
)

// Kind is how one kind of value is read. The same parser reads a flag's word and a devrun.toml
// string, so a value means the same in both places and is refused in both with the same words.
type Kind struct {
	Name string // shown in help and errors: "duration"
	// List kinds are []string fields: a repeatable flag, or a TOML array (one string stands for
	// a list of one, or for several when split says how).
	List bool
	// Values is the closed set of values, when there is one (completion offers them).
	Values []string

	// word reads one item. dir is the folder relative paths start from ("" is the current one).
	word func(s, dir string) (any, error)
	// split turns one string into several items ("go,tmpl"); nil means one item.
	split func(s string) ([]string, error)
}

// parse reads a whole value from one string: a scalar, or a list when the kind is one.
func (k *Kind) parse(s, dir string) (any, error) {
	if !k.List {
		return k.word(s, dir)
	}
	items := []string{s}
	if k.split != nil {
		var err error
		if items, err = k.split(s); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		v, err := k.word(item, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, v.(string))
	}
	return out, nil
}

var kinds = map[string]*Kind{
	"string":   {Name: "string", word: func(s, _ string) (any, error) { return s, nil }},
	"bool":     {Name: "bool", word: parseBool},
	"count":    {Name: "number", word: parseCount},
	"duration": {Name: "duration", word: func(s, _ string) (any, error) { return ParseDuration(s) }},
	"signal":   {Name: "signal", Values: signalNames, word: func(s, _ string) (any, error) { return SignalName(s) }},
	"restart":  {Name: "policy", Values: runner.PolicyNames, word: parseRestart},
	"name":     {Name: "name", word: parseName},
	"hostport": {Name: "host:port", word: parseHostPort},
	"debug":    {Name: "on|PORT", word: parseDebug},
	"file":     {Name: "file", word: func(s, dir string) (any, error) { return existingPath(s, dir, isFile) }},
	"dir":      {Name: "folder", word: func(s, dir string) (any, error) { return existingPath(s, dir, isDir) }},

	"args":   {Name: "args", List: true, word: plain, split: target.SplitArgs},
	"paths":  {Name: "path", List: true, word: parseWatchPath},
	"exts":   {Name: "exts", List: true, word: parseExt, split: splitExts},
	"globs":  {Name: "glob", List: true, word: parseGlob},
	"env":    {Name: "KEY=VALUE", List: true, word: func(s, _ string) (any, error) { return ParseEnvEntry(s) }},
	"listen": {Name: "addr", List: true, word: parseListen},
	"names":  {Name: "name", List: true, word: parseProcessName},

	"send_rule":   {Name: "GLOB=METHOD", List: true, word: ruleWord("METHOD", nil)},
	"run_rule":    {Name: "GLOB=COMMAND", List: true, word: ruleWord("COMMAND", nil)},
	"signal_rule": {Name: "GLOB=SIGNAL", List: true, word: ruleWord("SIGNAL", SignalName)},
	// rules are [[on_change]] tables: only the file has them (decode.go reads them).
	"rules": {Name: "rules"},
}

// ruleWord reads GLOB=VALUE; check, when set, reads VALUE into its canonical form.
func ruleWord(what string, check func(string) (string, error)) func(s, dir string) (any, error) {
	return func(s, _ string) (any, error) {
		glob, value, ok := strings.Cut(s, "=")
		if !ok || glob == "" || value == "" {
			return nil, fmt.Errorf("%q is not GLOB=%s", s, what)
		}
		if _, err := parseGlob(glob, ""); err != nil {
			return nil, err
		}
		if check != nil {
			v, err := check(value)
			if err != nil {
				return nil, err
			}
			value = v
		}
		return glob + "=" + value, nil
	}
}

func plain(s, _ string) (any, error) { return s, nil }

func parseBool(s, _ string) (any, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, fmt.Errorf("want true or false, got %q", s)
	}
	return b, nil
}

func parseCount(s, _ string) (any, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("want a whole number, got %q", s)
	}
	if n < 1 {
		return nil, fmt.Errorf("must be 1 or more, got %d", n)
	}
	return n, nil
}

// ParseDuration reads a Go duration ("150ms", "2s") or, as nodemon does, plain seconds ("2.5").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (write 500ms, 2s, 1m30s or 1.5 for seconds)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

func parseRestart(s, _ string) (any, error) {
	p, err := runner.ParsePolicy(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a restart policy: on-crash, always or never%s", s, didYouMean(s, runner.PolicyNames))
	}
	return p.String(), nil
}

func parseHostPort(s, _ string) (any, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not host:port", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return nil, fmt.Errorf("%q: %q is not a port number", s, port)
	}
	if host == "" {
		host = "127.0.0.1" // a development proxy serves this machine only, unless told otherwise
	}
	return net.JoinHostPort(host, port), nil
}

// parseDebug reads --debug's value: on (true), off (false), a port or host:port.
func parseDebug(s, _ string) (any, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "1", "yes":
		return "on", nil
	case "off", "false", "0", "no", "":
		return "", nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q is not a port number", s)
		}
		return s, nil
	}
	if _, err := parseHostPort(s, ""); err != nil {
		return nil, fmt.Errorf("%q: want on, off, a port or host:port", s)
	}
	return s, nil
}

// namePattern is what a devrun's name may be: it becomes a socket file's name in a private
// folder, so no path separators and no leading dot.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_.-]*$`)

// NameFrom makes a valid name of a folder's name: "my app" becomes "my-app", ".x" "x".
func NameFrom(folder string) string {
	b := []byte(folder)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	name := strings.TrimLeft(string(b), ".")
	if name == "" {
		return "devrun"
	}
	return name
}

func parseName(s, _ string) (any, error) {
	if !namePattern.MatchString(s) {
		return nil, fmt.Errorf("%q: a name may hold letters, digits, _ . and - only, and may not start with a dot", s)
	}
	return s, nil
}

// processName is the form of a process name: it is typed in `devrun send -p NAME` and printed
// as an output prefix.
var processName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func parseProcessName(s, _ string) (any, error) {
	if !processName.MatchString(s) {
		return nil, fmt.Errorf("%q: a process name may hold letters, digits, _ . and - only, and starts with a letter or digit", s)
	}
	return s, nil
}

type pathCheck int

const (
	anyPath pathCheck = iota
	isFile
	isDir
)

// existingPath makes s absolute against dir and checks that it exists: a typo in a path is
// better reported before anything starts than by the watcher later.
func existingPath(s, dir string, want pathCheck) (string, error) {
	p := s
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, rest)
		}
	}
	if !filepath.IsAbs(p) {
		base := dir
		if base == "" {
			var err error
			if base, err = os.Getwd(); err != nil {
				return "", err
			}
		}
		p = filepath.Join(base, p)
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: no such file or folder", s)
	case want == isDir && !fi.IsDir():
		return "", fmt.Errorf("%s is not a folder", s)
	case want == isFile && fi.IsDir():
		return "", fmt.Errorf("%s is a folder, not a file", s)
	}
	return filepath.Clean(p), nil
}

// Adding is the prefix that makes a watch path or an extension add to the target's defaults
// instead of replacing them (-w +../lib, -e +tmpl).
const Adding = "+"

func parseWatchPath(s, dir string) (any, error) {
	rest, add := strings.CutPrefix(s, Adding)
	p, err := existingPath(rest, dir, anyPath)
	if err != nil {
		return nil, err
	}
	if add {
		p = Adding + p
	}
	return p, nil
}

// splitExts reads nodemon's "js,json" form; spaces separate too.
func splitExts(s string) ([]string, error) {
	add := strings.HasPrefix(strings.TrimSpace(s), Adding)
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if add {
		for i := range parts {
			if !strings.HasPrefix(parts[i], Adding) {
				parts[i] = Adding + parts[i]
			}
		}
	}
	return parts, nil
}

func parseExt(s, _ string) (any, error) {
	rest, add := strings.CutPrefix(strings.TrimSpace(s), Adding)
	x := strings.TrimPrefix(rest, ".")
	if x == "" || strings.ContainsAny(x, "/*") {
		return nil, fmt.Errorf("%q is not a file extension (write go or .go; globs go in ignore or watch)", s)
	}
	if add {
		x = Adding + x
	}
	return x, nil
}

// SplitAdding separates the items that add to a default ("+x") from those that replace it.
// replace is false when every item adds (or there are none).
func SplitAdding(items []string) (list []string, replace bool) {
	for _, it := range items {
		rest, add := strings.CutPrefix(it, Adding)
		replace = replace || !add
		list = append(list, rest)
	}
	return list, replace
}

func parseGlob(s, _ string) (any, error) {
	if !doublestar.ValidatePattern(strings.TrimSuffix(s, "/")) {
		return nil, fmt.Errorf("%q is not a valid glob", s)
	}
	return s, nil
}

// envName is a portable environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseEnvEntry checks KEY=VALUE (from --env, the file's env table or an env file) and unquotes
// VALUE as dotenv files write it.
func ParseEnvEntry(s string) (string, error) {
	key, value, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || !envName.MatchString(key) {
		return "", fmt.Errorf("%q is not KEY=VALUE (a KEY holds letters, digits and _)", s)
	}
	value = strings.TrimSpace(value)
	switch {
	case len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"':
		v, err := strconv.Unquote(value)
		if err != nil {
			return "", fmt.Errorf("%s: bad double-quoted value: %v", key, err)
		}
		value = v
	case len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'':
		value = value[1 : len(value)-1]
	default:
		if i := strings.Index(value, " #"); i >= 0 {
			value = strings.TrimSpace(value[:i])
		}
	}
	return key + "=" + value, nil
}

// parseListen checks one listen spec and makes a relative unix socket path absolute: the
// process runs in its own folder, devrun itself may not.
func parseListen(s, dir string) (any, error) {
	spec, err := childrpc.ParseListenSpec(s)
	if err != nil {
		return nil, err
	}
	if spec.Address == "" {
		return nil, fmt.Errorf("%q is not host:port, :port or a unix socket path", s)
	}
	if spec.Network == "unix" && !filepath.IsAbs(spec.Address) {
		base := dir
		if base == "" {
			if base, err = os.Getwd(); err != nil {
				return nil, err
			}
		}
		spec.Address = filepath.Join(base, spec.Address)
	}
	if spec.Network == "unix" {
		spec.Address = filepath.Clean(spec.Address)
	}
	return spec.String(), nil
}
