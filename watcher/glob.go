package watcher

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// glob is one user pattern (Options.Ignore or Options.Files) compiled for one root.
type glob struct {
	pat      string // doublestar pattern, slash-separated, relative to the root
	anchored bool   // has a slash: matched against the path relative to the root, else against the name
	dirOnly  bool   // written with a trailing slash: matches folders only
	base     string // Files only: the literal folder the pattern starts in ("" when none)
}

// globList is the compiled Ignore or Files list of one root.
type globList struct {
	globs []glob
}

// compileGlobs turns user patterns into globs relative to root. An absolute path under the
// root is made relative to it; any other leading "/" anchors the pattern at the root, as in
// .gitignore.
func compileGlobs(what string, patterns []string, root string) (globList, error) {
	var l globList
	for _, raw := range patterns {
		p := filepath.ToSlash(strings.TrimSpace(raw))
		if p == "" {
			continue
		}
		if filepath.IsAbs(raw) {
			rel, err := filepath.Rel(root, filepath.Clean(raw))
			if err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && rel != "." {
				// An absolute path under the root; a trailing slash still means "folder".
				if strings.HasSuffix(p, "/") {
					rel += "/"
				}
				p = "/" + filepath.ToSlash(rel)
			}
			// Otherwise a leading "/" anchors at the root, as in .gitignore.
		}
		for strings.HasPrefix(p, "./") {
			p = p[2:]
		}
		g := glob{}
		if strings.HasSuffix(p, "/") {
			g.dirOnly = true
			p = strings.TrimRight(p, "/")
		}
		if strings.HasPrefix(p, "/") {
			g.anchored = true
			p = strings.TrimLeft(p, "/")
		}
		if strings.Contains(p, "/") {
			g.anchored = true
		}
		if p == "" || p == "." {
			continue
		}
		p = path.Clean(p)
		if !doublestar.ValidatePattern(p) {
			return l, fmt.Errorf("%s pattern %q: bad glob", what, raw)
		}
		g.pat = p
		if g.anchored {
			if base, _ := doublestar.SplitPattern(p); base != "." && base != "/" {
				g.base = base
			}
		}
		l.globs = append(l.globs, g)
	}
	return l, nil
}

// matchFile reports whether a file (rel: path relative to the root, name: its last element)
// matches one of the globs.
func (l *globList) matchFile(rel, name string) bool { return l.match(rel, name, false) }

// matchDir reports whether a folder matches one of the globs, "x/**" matching the folder x
// itself so that it is pruned rather than walked.
func (l *globList) matchDir(rel, name string) bool { return l.match(rel, name, true) }

// match tries the globs on rel (anchored ones) or name; globs ending in "/" name folders only.
func (l *globList) match(rel, name string, dir bool) bool {
	for i := range l.globs {
		g := &l.globs[i]
		if g.dirOnly && !dir {
			continue
		}
		path := name
		if g.anchored {
			path = rel
		}
		if doublestar.MatchUnvalidated(g.pat, path) {
			return true
		}
	}
	return false
}

// leadsTo reports whether the folder rel is on the way to, or inside, the literal folder a
// Files glob starts in: such folders are walked even when a default ignore or .gitignore
// would prune them, so that the files the glob names can be seen.
func (l *globList) leadsTo(rel string) bool {
	for i := range l.globs {
		b := l.globs[i].base
		if b == "" {
			continue
		}
		if rel == b || strings.HasPrefix(b, rel+"/") || strings.HasPrefix(rel, b+"/") {
			return true
		}
	}
	return false
}
