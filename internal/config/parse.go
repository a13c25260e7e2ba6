package config

import (
	"cmp"
	"errors"
	"maps"
	"regexp"
	"slices"

	"github.com/BurntSushi/toml"
)

// processName is the form of a process name: it is typed in `devrun send -p NAME` and `rs NAME`
// and printed as an output prefix.
var processName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// parse reads the text of a config file; file is its name for messages, dir its absolute folder.
func parse(file, dir, src string) (*Config, error) {
	var raw map[string]any
	md, err := toml.Decode(src, &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: file, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
		}
		return nil, &Error{File: file, Msg: err.Error()}
	}
	l := &loader{file: file, lines: indexKeys(src)}
	cfg := &Config{Path: file, Dir: dir, Set: map[string]bool{}}

	defaults := map[string]entry{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v, key := raw[k], []string{k}
		switch _, isProcessKey := processKeys[k]; {
		case k == "process":
		case isProcessKey && k == "depends_on":
			l.fail(key, "depends_on belongs in a [process.NAME] table")
		case isProcessKey:
			defaults[k] = entry{v, key}
		case topOnlyKeys[k] == kindBool && k != "name":
			if b, ok := l.boolean(entry{v, key}); ok {
				cfg.Set[k] = true
				switch k {
				case "clear":
					cfg.Clear = b
				case "no_color":
					cfg.NoColor = b
				case "quiet":
					cfg.Quiet = b
				case "verbose":
					cfg.Verbose = b
				}
			}
		case k == "name":
			if s, ok := l.str(entry{v, key}); ok {
				if !processName.MatchString(s) {
					l.fail(key, "%q: a name may hold letters, digits, _ . and - only", s)
				}
				cfg.Name, cfg.Set[k] = s, true
			}
		default:
			l.fail(key, "unknown key%s", suggestKey(k, processKeys, topOnlyKeys, map[string]valueKind{"process": 0}))
		}
	}
	if cfg.Quiet && cfg.Verbose {
		l.fail([]string{"verbose"}, "quiet and verbose are both set")
	}

	// env merges variable by variable; the other keys replace the default as a whole.
	topEnv := defaults["env"]
	delete(defaults, "env")
	cfg.Defaults = l.process("", defaults, dir, dir, nil)
	if topEnv.val != nil {
		l.env(topEnv, &cfg.Defaults)
		cfg.Defaults.Set["env"] = true
	}

	tables := l.processTables(raw["process"], md)
	if len(tables) > 0 {
		if e, ok := defaults["run"]; ok {
			l.fail(e.key, "run at the top level and [process.NAME] tables: move it into a process table (top-level keys are defaults for every process)")
		}
	} else if _, hasRun := defaults["run"]; hasRun || defaults["exec"].val != nil {
		cfg.Processes = []Process{cfg.Defaults}
	}
	var origins []map[string][]string
	for _, t := range tables {
		merged := maps.Clone(defaults)
		maps.Copy(merged, t.entries)
		envEntry, hasEnv := merged["env"]
		delete(merged, "env")
		p := l.process(t.name, merged, dir, cfg.Defaults.Dir, cfg.Defaults.Env)
		if hasEnv {
			l.env(envEntry, &p)
		}
		if topEnv.val != nil || hasEnv {
			p.Set["env"] = true
		}
		if p.Run == "" && p.Exec == "" && !t.runAlias {
			l.fail([]string{"process", t.name}, "no run: say what to run (run = \"./cmd/%s\", a script or a command)", t.name)
		}
		origin := map[string][]string{}
		for k, e := range merged {
			origin[k] = e.key
		}
		cfg.Processes = append(cfg.Processes, p)
		origins = append(origins, origin)
	}
	if len(tables) > 0 {
		l.checkDependencies(cfg.Processes, origins)
	}
	if len(cfg.Processes) > 0 {
		if origins == nil {
			origins = []map[string][]string{{"listen": {"listen"}}}
		}
		l.checkListenConflicts(cfg.Processes, origins)
	}

	if len(l.errs) == 0 {
		return cfg, nil
	}
	slices.SortStableFunc(l.errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	if len(l.errs) == 1 {
		return nil, l.errs[0]
	}
	return nil, l.errs
}

// processTable is one [process.NAME] table's keys.
type processTable struct {
	name     string
	entries  map[string]entry
	runAlias bool // an unknown key that means run (command = ...): "no run" would be noise
}

// processTables checks the process tables and returns them in file order (a Go map has none;
// the MetaData key list does).
func (l *loader) processTables(v any, md toml.MetaData) []processTable {
	if v == nil {
		return nil
	}
	all, ok := v.(map[string]any)
	if !ok {
		l.fail([]string{"process"}, "want one table per process ([process.web]), got %s", typeName(v))
		return nil
	}
	var names []string
	for _, k := range md.Keys() {
		if len(k) >= 2 && k[0] == "process" && !slices.Contains(names, k[1]) {
			names = append(names, k[1])
		}
	}
	var tables []processTable
	for _, name := range names {
		key := []string{"process", name}
		table, ok := all[name].(map[string]any)
		if !ok {
			l.fail(key, "want a table ([process.%s]), got %s", name, typeName(all[name]))
			continue
		}
		if !processName.MatchString(name) {
			l.fail(key, "%q: a process name may hold letters, digits, _ . and - only, and starts with a letter or digit", name)
		}
		t := processTable{name: name, entries: map[string]entry{}}
		for k, v := range table {
			keyPath := []string{"process", name, k}
			if _, ok := processKeys[k]; !ok {
				hint := suggestKey(k, processKeys)
				if _, top := topOnlyKeys[k]; top {
					hint = " (" + k + " is a top-level setting of devrun, not of a process)"
				}
				l.fail(keyPath, "unknown key%s", hint)
				t.runAlias = t.runAlias || aliases[k] == "run"
				continue
			}
			t.entries[k] = entry{v, keyPath}
		}
		tables = append(tables, t)
	}
	return tables
}
