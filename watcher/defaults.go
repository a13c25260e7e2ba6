package watcher

import "strings"

// DefaultIgnores documents the built-in ignore list (Options.NoDefaultIgnores turns it off).
// Names match at any depth, folders and files alike.
var DefaultIgnores = []string{
	// version control and tool folders
	".git", ".hg", ".svn", ".jj", "node_modules", "__pycache__", ".idea", ".vscode",
	// devrun's own output and logs
	".devrun",
	// editors' swap, backup, lock and safe-write files
	"*.swp", "*.swo", "*.swx", "*~", ".#*", "#*#", "*.tmp", "*___jb_*___", "4913",
	"*.kate-swp", ".goutputstream-*", "*.crswap",
	// OS litter
	".DS_Store",
}

// defaultIgnoredNames holds the literal entries of DefaultIgnores; the patterns are spelled
// out in defaultIgnored, which runs for every entry of every walk and must not allocate.
var defaultIgnoredNames = map[string]struct{}{
	".git": {}, ".hg": {}, ".svn": {}, ".jj": {}, "node_modules": {}, "__pycache__": {},
	".idea": {}, ".vscode": {}, ".devrun": {}, ".DS_Store": {},
	"4913": {}, // vim writes and deletes it to probe whether it may create files
}

var defaultIgnoredSuffixes = []string{"~", ".swp", ".swo", ".swx", ".tmp", ".kate-swp", ".crswap"}

// defaultIgnored reports whether a name is in DefaultIgnores.
func defaultIgnored(name string) bool {
	if _, ok := defaultIgnoredNames[name]; ok {
		return true
	}
	for _, s := range defaultIgnoredSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	switch {
	case strings.HasPrefix(name, ".#"), // emacs lock files
		strings.HasPrefix(name, ".goutputstream-"),                         // GIO safe writes
		len(name) >= 2 && name[0] == '#' && name[len(name)-1] == '#',       // emacs auto-save
		strings.HasSuffix(name, "___") && strings.Contains(name, "___jb_"): // JetBrains safe writes
		return true
	}
	return false
}
