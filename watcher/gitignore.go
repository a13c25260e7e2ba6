package watcher

import (
	"bytes"
	"strings"
)

// gitRule is one line of a .gitignore file.
type gitRule struct {
	pat      string // wildmatch pattern, without '!', the leading '/' and the trailing '/'
	negate   bool   // "!pat": re-include
	dirOnly  bool   // "pat/": folders only
	nameOnly bool   // no slash: matches the name at any depth below the file's folder
	literal  bool   // no wildcard: a plain comparison
	suffix   string // "*literal": a suffix comparison ("*.log")
}

// ignoreFile is a parsed .gitignore (or info/exclude). Its patterns are relative to the
// folder that holds it.
type ignoreFile struct {
	rules     []gitRule
	pathRules bool // some rule is matched against the relative path, not just the name
}

// parseGitignore parses the text of a .gitignore file with git's rules: blank lines and
// '#' comments are skipped, unescaped trailing spaces are trimmed, '!' negates, a trailing
// '/' means folders only, a slash anywhere else anchors the pattern to the file's folder.
func parseGitignore(data []byte) *ignoreFile {
	f := &ignoreFile{}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if r, ok := parseGitRule(string(line)); ok {
			f.rules = append(f.rules, r)
			if !r.nameOnly {
				f.pathRules = true
			}
		}
	}
	return f
}

func parseGitRule(s string) (gitRule, bool) {
	var r gitRule
	if s == "" || s[0] == '#' {
		return r, false
	}
	s = trimTrailingSpaces(s)
	if s == "" {
		return r, false
	}
	if s[0] == '!' {
		r.negate = true
		s = s[1:]
	}
	if strings.HasSuffix(s, "/") && !strings.HasSuffix(s, "\\/") {
		r.dirOnly = true
		s = s[:len(s)-1]
	}
	if s == "" {
		return r, false
	}
	r.nameOnly = !strings.Contains(s, "/")
	s = strings.TrimPrefix(s, "/")
	if s == "" {
		return r, false
	}
	r.pat = s
	switch {
	case !strings.ContainsAny(s, "*?[\\"):
		r.literal = true
	case s[0] == '*' && !strings.ContainsAny(s[1:], "*?[\\"):
		r.suffix = s[1:]
	}
	return r, true
}

// trimTrailingSpaces drops trailing spaces that are not escaped with a backslash.
func trimTrailingSpaces(s string) string {
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		// Count the backslashes before this space: an odd number escapes it.
		n := 0
		for i := end - 2; i >= 0 && s[i] == '\\'; i-- {
			n++
		}
		if n%2 == 1 {
			break
		}
		end--
	}
	return s[:end]
}

func (r *gitRule) match(target string) bool {
	switch {
	case r.literal:
		return target == r.pat
	case r.suffix != "":
		return strings.HasSuffix(target, r.suffix) && (r.nameOnly || !strings.Contains(target[:len(target)-len(r.suffix)], "/"))
	}
	return wildmatch(r.pat, target)
}

// match decides a path by this file alone: rel is the path relative to the file's folder,
// name its last element. The last matching rule wins; matched is false when none matches.
func (f *ignoreFile) match(rel, name string, isDir bool) (matched, ignored bool) {
	for i := len(f.rules) - 1; i >= 0; i-- {
		r := &f.rules[i]
		if r.dirOnly && !isDir {
			continue
		}
		target := rel
		if r.nameOnly {
			target = name
		}
		if r.match(target) {
			return true, !r.negate
		}
	}
	return false, false
}
