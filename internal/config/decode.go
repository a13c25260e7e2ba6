package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
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

// process reads the entries of one process over the schema's defaults. A relative path is
// relative to the folder of the table it is written in: topDir (the top level's dir) for an
// inherited default, the process's own dir for its table's keys; so a top-level env_file =
// ".env" means the project's .env whatever dir a process sets.
func (l *loader) process(name string, entries map[string]entry, fileDir, topDir string) Process {
	p := Defaults().Process
	p.Name, p.Dir = name, topDir
	if e, ok := entries["dir"]; ok {
		// First: the other relative paths of the table hang on it.
		if v, ok := l.value(FieldByKey("dir"), e, fileDir); ok {
			p.Dir = v.(string)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		e := entries[k]
		p.Set[k] = true
		if k == "dir" {
			continue
		}
		base := p.Dir
		if len(e.key) == 1 && name != "" {
			base = topDir
		}
		f := FieldByKey(k)
		if v, ok := l.value(f, e, base); ok {
			f.inProcess(&p).Set(reflect.ValueOf(v))
		}
	}
	return p
}

// value reads one TOML value as f's kind: strings through the kind's parser, as a flag's word
// would be read, and TOML's own booleans, integers, arrays and tables where the kind takes them.
func (l *loader) value(f *Field, e entry, dir string) (any, bool) {
	k := f.Kind
	word := func(s string, key []string) (any, bool) {
		v, err := k.word(s, dir)
		if err != nil {
			l.fail(key, "%v", err)
			return nil, false
		}
		return v, true
	}
	switch v := e.val.(type) {
	case bool:
		if k == kinds["bool"] {
			return v, true
		}
		if k == kinds["debug"] {
			return word(strconv.FormatBool(v), e.key)
		}
	case int64:
		if k == kinds["count"] {
			return word(strconv.FormatInt(v, 10), e.key)
		}
	case string:
		if k == kinds["env"] {
			break
		}
		if out, err := k.parse(v, dir); err == nil {
			return out, true
		} else {
			l.fail(e.key, "%v", err)
			return nil, false
		}
	case []any:
		if !k.List {
			break
		}
		out := make([]string, 0, len(v))
		for i, item := range v {
			s, ok := item.(string)
			if !ok {
				l.fail(e.key, "want a list of strings, item %d is %s", i+1, typeName(item))
				return nil, false
			}
			w, ok := word(s, e.key)
			if !ok {
				return nil, false
			}
			out = append(out, w.(string))
		}
		return out, true
	case map[string]any:
		if k == kinds["env"] {
			return l.env(v, e.key, word)
		}
	case []map[string]any:
		if k == kinds["rules"] {
			return l.rules(v, e.key)
		}
	}
	if k == kinds["duration"] {
		if _, isNumber := e.val.(int64); isNumber || isFloat(e.val) {
			l.fail(e.key, "%v has no unit: write a duration string such as \"%vms\" or \"%vs\"", e.val, e.val, e.val)
			return nil, false
		}
	}
	l.fail(e.key, "want %s, got %s", tomlForm(k), typeName(e.val))
	return nil, false
}

func isFloat(v any) bool { _, ok := v.(float64); return ok }

// tomlForm says what a key of kind k holds, for "want ..., got ..." messages.
func tomlForm(k *Kind) string {
	switch {
	case k == kinds["bool"]:
		return "true or false"
	case k == kinds["count"]:
		return "an integer"
	case k == kinds["env"]:
		return "a table of variables (env = { PORT = \"8080\" })"
	case k.List:
		return "a list of strings"
	case k == kinds["duration"]:
		return "a duration string such as \"500ms\""
	case k == kinds["rules"]:
		return "[[on_change]] tables"
	}
	return "a string"
}

// env reads a table of variables as KEY=VALUE entries. Numbers and booleans are taken as their
// text (PORT = 8080).
func (l *loader) env(table map[string]any, key []string, word func(string, []string) (any, bool)) (any, bool) {
	out := []string{}
	ok := true
	for _, name := range slices.Sorted(maps.Keys(table)) {
		at := append(slices.Clip(key), name)
		var text string
		switch v := table[name].(type) {
		case string:
			text = v
		case int64:
			text = strconv.FormatInt(v, 10)
		case float64:
			text = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			text = strconv.FormatBool(v)
		default:
			l.fail(at, "want a string, got %s", typeName(v))
			ok = false
			continue
		}
		// Quoting is TOML's business here: the value is taken as it is.
		if !envName.MatchString(name) {
			l.fail(at, "not a valid environment variable name")
			ok = false
			continue
		}
		out = append(out, name+"="+text)
	}
	return out, ok
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

// mergeEnv is base with over's variables laid on it, variable by variable, in first-seen order.
func mergeEnv(base, over []string) []string {
	out := slices.Clone(base)
	for _, kv := range over {
		name, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(e string) bool { return strings.HasPrefix(e, name+"=") })
		if i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// ruleKeys are the keys of an [[on_change]] table.
var ruleKeys = []string{"files", "send", "run", "signal", "restart"}

// rules reads [[on_change]] tables. Each needs files and exactly one action.
func (l *loader) rules(tables []map[string]any, key []string) ([]Rule, bool) {
	var out []Rule
	ok := true
	for _, t := range tables {
		var r Rule
		var actions []string
		for _, k := range slices.Sorted(maps.Keys(t)) {
			at := append(slices.Clip(key), k)
			v := t[k]
			str := func() string {
				s, isString := v.(string)
				if !isString || s == "" {
					l.fail(at, "want a string, got %s", typeName(v))
					ok = false
				}
				return s
			}
			switch k {
			case "files":
				for _, g := range stringsOf(v) {
					if _, err := parseGlob(g, ""); err != nil {
						l.fail(at, "%v", err)
						ok = false
					}
					r.Files = append(r.Files, g)
				}
				if len(r.Files) == 0 {
					l.fail(at, "want a glob or a list of globs, got %s", typeName(v))
					ok = false
				}
			case "send":
				r.Send, actions = str(), append(actions, k)
			case "run":
				r.Run, actions = str(), append(actions, k)
			case "signal":
				actions = append(actions, k)
				if name, err := SignalName(str()); err != nil {
					l.fail(at, "%v", err)
					ok = false
				} else {
					r.Signal = name
				}
			case "restart":
				b, isBool := v.(bool)
				if !isBool {
					l.fail(at, "want true or false, got %s", typeName(v))
					ok = false
				}
				r.Restart = b
			default:
				l.fail(at, "unknown key%s", didYouMean(k, ruleKeys))
				ok = false
			}
		}
		switch {
		case r.Files == nil && t["files"] == nil:
			l.fail(key, "a rule needs files = [\"GLOB\", ...]")
			ok = false
		case len(actions) == 0:
			l.fail(key, "a rule needs one of send, run or signal")
			ok = false
		case len(actions) > 1:
			l.fail(key, "a rule takes one of send, run or signal, not %s", strings.Join(actions, " and "))
			ok = false
		}
		out = append(out, r)
	}
	return out, ok
}

// stringsOf is a TOML string or array of strings as a list; nil for anything else.
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}
