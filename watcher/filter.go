package watcher

import "strings"

// The filters, strongest first:
//
//  1. Options.Ignore (and an ignored folder hides everything below it);
//  2. Options.Files: a match counts whatever the extension, the default ignores and .gitignore;
//  3. the default ignores, then .gitignore files (nearest first, last matching line wins);
//  4. Options.Exts (empty: every file).
//
// A file named as a root always counts.

// normalizeExts turns "go", ".go" and "*.go" into ".go".
func normalizeExts(exts []string) []string {
	var out []string
	for _, e := range exts {
		e = strings.TrimSpace(e)
		e = strings.TrimPrefix(e, "*")
		e = strings.TrimPrefix(e, ".")
		if e != "" {
			out = append(out, "."+e)
		}
	}
	return out
}

func (s *state) hasExt(name string) bool {
	if len(s.exts) == 0 {
		return true
	}
	for _, e := range s.exts {
		if len(name) > len(e) && strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}

// relPath is the slash path of entry name of folder f relative to the root. The string
// shares a buffer reused by the next call: match with it, never keep it. The folder's own
// relative path is built once for all the entries of a folder.
func (s *state) relPath(f *folder, name string) string {
	s.at(f)
	if s.relLen == 0 {
		return name
	}
	s.relBuf = append(append(s.relBuf[:s.relLen], '/'), name...)
	return bytesString(s.relBuf)
}

// at makes f the folder relPath and relRoot are about.
func (s *state) at(f *folder) {
	if s.relFolder == f {
		return
	}
	s.relBuf = appendRel(s.relBuf[:0], f)
	s.relLen = len(s.relBuf)
	s.relFolder = f
	s.relRoot = f.top().x.root
}

// fileRelevant reports whether a change of the file name in folder f counts.
func (s *state) fileRelevant(f *folder, name string) bool {
	if len(s.explicit) > 0 {
		s.explBuf = appendPath(s.explBuf[:0], f, name)
		if _, ok := s.explicit[bytesString(s.explBuf)]; ok {
			return true
		}
	}
	if f.flags&fOnlyExplicit != 0 {
		return false
	}
	rel := s.relPath(f, name)
	r := s.relRoot
	if r.ignore.matchFile(rel, name) {
		return false
	}
	if r.files.matchFile(rel, name) {
		return true
	}
	if !s.opts.NoDefaultIgnores && defaultIgnored(name) {
		return false
	}
	if !s.opts.NoGitignore && s.gitIgnored(f, name, rel, false) {
		return false
	}
	return s.hasExt(name)
}

// dirPruned reports whether the subfolder name of f is ignored: it is then neither walked
// nor watched, and nothing below it counts.
func (s *state) dirPruned(f *folder, name string) bool {
	if f.flags&fOnlyExplicit != 0 {
		return true
	}
	rel := s.relPath(f, name)
	r := s.relRoot
	if r.ignore.matchDir(rel, name) {
		return true
	}
	if r.files.leadsTo(rel) {
		return false
	}
	if !s.opts.NoDefaultIgnores && defaultIgnored(name) {
		return true
	}
	return !s.opts.NoGitignore && s.gitIgnored(f, name, rel, true)
}

// gitIgnored applies the .gitignore files that cover entry name of folder f (rel: its path
// relative to the root) the way git does: the nearest file with a matching line decides,
// then the files above the root, then info/exclude.
func (s *state) gitIgnored(f *folder, name, rel string, isDir bool) bool {
	// end is the length of g's own path relative to the root, a prefix of rel.
	end := len(rel) - len(name) - 1
	for g := f; g != nil; g = g.parent {
		if g.x != nil && g.x.ign != nil {
			sub := rel
			if end > 0 {
				sub = rel[end+1:]
			}
			if matched, ignored := g.x.ign.match(sub, name, isDir); matched {
				return ignored
			}
		}
		end -= len(g.name) + 1
	}
	for _, o := range s.relRoot.outer {
		target := rel
		if o.prefix != "" && o.file.pathRules {
			target = o.prefix + rel
		}
		if matched, ignored := o.file.match(target, name, isDir); matched {
			return ignored
		}
	}
	return false
}
