package target

import (
	"path/filepath"
	"slices"
	"strings"
)

// interpreters maps a command's program to the files that are its sources, so that
// `devrun -- uvicorn main:app` watches .py files, as uvicorn --reload does, and not the sqlite
// file the app writes. A program not listed here watches every file but runtimeData.
var interpreters = map[string]scriptKind{}

func init() {
	python := scriptKind{kind: Command, exts: pythonKind.exts, ignore: pythonKind.ignore}
	node := scriptKind{kind: Command, exts: nodeExts, ignore: nodeIgnore}
	ts := scriptKind{kind: Command, exts: tsExts, ignore: nodeIgnore}
	ruby := scriptKind{kind: Command, exts: []string{"rb", "erb", "rake", "ru"}}
	php := scriptKind{kind: Command, exts: []string{"php"}}
	perl := scriptKind{kind: Command, exts: []string{"pl", "pm"}}
	for program, k := range map[string][]string{
		"python": {"python", "python3", "uvicorn", "gunicorn", "hypercorn", "flask", "django-admin", "fastapi", "daphne", "celery", "pytest"},
		"node":   {"node", "nodejs", "npm", "npx", "yarn", "pnpm", "nodemon"},
		"ts":     {"tsx", "ts-node", "bun", "deno"},
		"ruby":   {"ruby", "rails", "rackup", "bundle", "puma", "rake"},
		"php":    {"php"},
		"perl":   {"perl"},
	} {
		sk := map[string]scriptKind{"python": python, "node": node, "ts": ts, "ruby": ruby, "php": php, "perl": perl}[program]
		for _, name := range k {
			interpreters[name] = sk
		}
	}
}

// runtimeData are files and folders that a running program or its build writes: they never
// count as source changes unless -e names them (a web app's own database writes would
// restart it otherwise).
var runtimeData = []string{
	"**/*.db", "**/*.db-*", "**/*.sqlite", "**/*.sqlite3", "**/*.sqlite-*", "**/*.sqlite3-*", "**/*-journal",
	"**/*.log", "**/*.pid", "**/*.pyc",
	"**/dist/**", "**/build/**", "**/target/**", "**/.next/**", "**/.nuxt/**", "**/.cache/**",
	"**/coverage/**", "**/tmp/**",
}

// IsRuntimeData reports whether an ignore pattern is one of the runtime-data ignores.
func IsRuntimeData(pattern string) bool { return slices.Contains(runtimeData, pattern) }

// interpreterOf finds the program that decides a command's sources: python3 in
// `python3 -m uvicorn`, uvicorn itself, or the program behind env and a version suffix
// (python3.12).
func interpreterOf(argv []string) (scriptKind, bool) {
	for _, word := range argv {
		if word == "env" || strings.Contains(word, "=") || strings.HasPrefix(word, "-") && word != "-m" {
			continue
		}
		base := filepath.Base(word)
		if sk, ok := interpreters[base]; ok {
			return sk, true
		}
		if i := strings.IndexAny(base, "0123456789"); i > 0 {
			if sk, ok := interpreters[strings.TrimRight(base[:i], ".-")]; ok {
				return sk, true
			}
		}
		return scriptKind{}, false
	}
	return scriptKind{}, false
}

// commandDefaults gives a command target the watch defaults of its interpreter, and ignores
// runtime data whatever the program.
func commandDefaults(t *Target) {
	if sk, ok := interpreterOf(t.Command); ok {
		t.Exts = sk.exts
		t.Ignore = append(t.Ignore, sk.ignore...)
	}
	t.Ignore = append(t.Ignore, runtimeData...)
}

// IgnoreUnlessNamed is t.Ignore less the built-in ignores that what the user named explicitly
// beats: "**/*.db" when -e names db, "**/build/**" when a -w path goes through a build folder.
func (t *Target) IgnoreUnlessNamed(exts, roots []string) []string {
	var out []string
	for _, pattern := range t.Ignore {
		if named(pattern, exts, roots) {
			continue
		}
		out = append(out, pattern)
	}
	return out
}

func named(pattern string, exts, roots []string) bool {
	// Go keeps test fixtures in testdata/, and gin keeps its templates there: an -e that
	// names an extension finds those files too (Go mode still leaves out its .go files).
	if pattern == "**/testdata/**" && len(exts) > 0 {
		return true
	}
	if ext, ok := strings.CutPrefix(pattern, "**/*."); ok {
		for _, e := range exts {
			if e == ext {
				return true
			}
		}
	}
	if dir, ok := strings.CutPrefix(pattern, "**/"); ok && strings.HasSuffix(dir, "/**") {
		dir = strings.TrimSuffix(dir, "/**")
		for _, r := range roots {
			for _, part := range strings.Split(filepath.ToSlash(r), "/") {
				if part == dir {
					return true
				}
			}
		}
	}
	return false
}
