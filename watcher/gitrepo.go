package watcher

import (
	"os"
	"path/filepath"
	"strings"
)

// outerIgnore is an ignore file that lives above a root (a .gitignore between the top of the
// git work tree and the root, or info/exclude) but applies to the paths below it.
type outerIgnore struct {
	file   *ignoreFile
	prefix string // path from the file's folder to the root, with a trailing slash ("" if the same)
}

// loadOuterIgnores finds the git work tree that holds root and returns the ignore files
// above the root that apply inside it, in the order git consults them: the nearest
// .gitignore first, info/exclude last. The root's own .gitignore is not included: the walk
// reads it like every nested one. Outside a git work tree there are none.
func loadOuterIgnores(root string) []outerIgnore {
	top, dotgit := findWorkTree(root)
	if top == "" {
		return nil
	}
	var outer []outerIgnore
	if top != root {
		for dir := filepath.Dir(root); ; dir = filepath.Dir(dir) {
			if data, err := os.ReadFile(filepath.Join(dir, ".gitignore")); err == nil {
				outer = append(outer, outerIgnore{file: parseGitignore(data), prefix: relPrefix(dir, root)})
			}
			if dir == top || dir == filepath.Dir(dir) {
				break
			}
		}
	}
	if gitDir := resolveGitDir(top, dotgit); gitDir != "" {
		if data, err := os.ReadFile(filepath.Join(gitDir, "info", "exclude")); err == nil {
			outer = append(outer, outerIgnore{file: parseGitignore(data), prefix: relPrefix(top, root)})
		}
	}
	return outer
}

// findWorkTree returns the nearest folder at or above dir that holds a .git entry, and that
// entry's path.
func findWorkTree(dir string) (top, dotgit string) {
	for {
		p := filepath.Join(dir, ".git")
		if _, err := os.Lstat(p); err == nil {
			return dir, p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ""
		}
		dir = parent
	}
}

// resolveGitDir returns the folder that holds info/exclude: .git itself, or for a linked
// worktree or submodule (.git is a file "gitdir: X") the common git folder of X.
func resolveGitDir(top, dotgit string) string {
	fi, err := os.Stat(dotgit)
	if err != nil {
		return ""
	}
	if fi.IsDir() {
		return dotgit
	}
	data, err := os.ReadFile(dotgit)
	if err != nil {
		return ""
	}
	line := strings.TrimSpace(string(data))
	gitDir, ok := strings.CutPrefix(line, "gitdir:")
	if !ok {
		return ""
	}
	gitDir = strings.TrimSpace(gitDir)
	if !filepath.IsAbs(gitDir) {
		gitDir = filepath.Join(top, gitDir)
	}
	if common, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(common))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		return c
	}
	return gitDir
}

// relPrefix is the slash path from dir down to root with a trailing slash, "" when equal.
func relPrefix(dir, root string) string {
	rel, err := filepath.Rel(dir, root)
	if err != nil || rel == "." {
		return ""
	}
	return filepath.ToSlash(rel) + "/"
}
