package session

import (
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
)

// Plan is what one batch of changed files does to a process.
type Plan struct {
	// Restart holds the files no rule takes: the program restarts once for them, and the
	// restart takes every other change of the batch too.
	Restart []string
	// Actions are the rules that take the other files, each with its files, in the order of
	// their first file in the batch.
	Actions []Action
	// OnlyInputs says that every file is compiled into the program (Go mode): a rebuilt
	// program identical to the running one need not restart.
	OnlyInputs bool
}

// Action is one rule and the files of a batch it takes.
type Action struct {
	Rule  config.Rule
	Files []string // relative to the process's folder, with slashes
}

// PlanChanges matches each changed file against the rules in order: the first rule that
// matches takes it, and a file that no rule matches restarts the program. files are absolute
// or relative to dir. A pattern without a slash matches a file's name in any folder ("*.html"),
// as in .gitignore; one with a slash matches the path from dir ("templates/**").
func PlanChanges(rules []config.Rule, dir string, files []string) Plan {
	var p Plan
	index := map[int]int{} // rule -> its action in p.Actions
	for _, f := range files {
		rel := f
		if filepath.IsAbs(f) {
			if r, err := filepath.Rel(dir, f); err == nil {
				rel = r
			}
		}
		rel = filepath.ToSlash(rel)
		taken := -1
		for i, r := range rules {
			if matchesAny(r.Files, rel) {
				taken = i
				break
			}
		}
		if taken < 0 {
			p.Restart = append(p.Restart, rel)
			continue
		}
		a, ok := index[taken]
		if !ok {
			a = len(p.Actions)
			index[taken] = a
			p.Actions = append(p.Actions, Action{Rule: rules[taken]})
		}
		p.Actions[a].Files = append(p.Actions[a].Files, rel)
	}
	return p
}

// Takes reports whether a rule takes path (absolute, or relative to dir).
func Takes(rules []config.Rule, dir, path string) bool {
	return len(PlanChanges(rules, dir, []string{path}).Actions) > 0
}

func matchesAny(patterns []string, rel string) bool {
	for _, pat := range patterns {
		target := rel
		if !strings.Contains(pat, "/") {
			target = pathBase(rel)
		}
		if ok, _ := doublestar.Match(pat, target); ok {
			return true
		}
	}
	return false
}

func pathBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Announced turns the rules a program announced in devrun.hello into rules, matched after the
// configured ones.
func Announced(rules []childrpc.ReloadRule) []config.Rule {
	out := make([]config.Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, config.Rule{Files: r.Files, Send: r.Method})
	}
	return out
}
