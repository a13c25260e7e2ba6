package config

import (
	"cmp"
	"errors"
	"maps"
	"reflect"
	"slices"

	"github.com/BurntSushi/toml"
)

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
	cfg := &Config{Path: file, Dir: dir}

	defaults := map[string]entry{}
	top := Defaults()
	top.Set = map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v, key := raw[k], []string{k}
		f := FieldByKey(k)
		switch {
		case k == "process":
		case f != nil && k == "depends_on":
			l.fail(key, "depends_on belongs in a [process.NAME] table")
		case f != nil && !f.Top:
			defaults[k] = entry{v, key}
		case f != nil:
			if val, ok := l.value(f, entry{v, key}, dir); ok {
				f.value(&top).Set(reflect.ValueOf(val))
				top.Set[k] = true
			}
		default:
			l.fail(key, "unknown key%s", suggestKey(k, true))
		}
	}
	if top.Quiet && top.Verbose {
		l.fail([]string{"verbose"}, "quiet and verbose are both set")
	}
	topSet := top.Set
	top.Process = l.process("", defaults, dir, dir)
	maps.Copy(top.Process.Set, topSet)
	cfg.Settings = top

	tables := l.processTables(raw["process"], md)
	if len(tables) > 0 {
		if e, ok := defaults["run"]; ok {
			l.fail(e.key, "run at the top level and [process.NAME] tables: move it into a process table (top-level keys are defaults for every process)")
		}
	} else if _, hasRun := defaults["run"]; hasRun || defaults["exec"].val != nil {
		cfg.Processes = []Process{cfg.Process}
		cfg.Processes[0].Set = maps.Clone(cfg.Process.Set)
		for _, f := range Fields() {
			if f.Top {
				delete(cfg.Processes[0].Set, f.Key)
			}
		}
	}
	var origins []map[string][]string
	for _, t := range tables {
		merged := maps.Clone(defaults)
		maps.Copy(merged, t.entries)
		p := l.process(t.name, merged, dir, cfg.Process.Dir)
		if _, both := t.entries["env"]; both && defaults["env"].val != nil {
			p.Env = mergeEnv(cfg.Process.Env, p.Env) // env merges variable by variable
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
		if _, err := parseProcessName(name, ""); err != nil {
			l.fail(key, "%v", err)
		}
		t := processTable{name: name, entries: map[string]entry{}}
		for k, v := range table {
			keyPath := []string{"process", name, k}
			if f := FieldByKey(k); f == nil || f.Top {
				hint := suggestKey(k, false)
				if f != nil {
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
