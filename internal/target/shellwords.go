package target

import (
	"errors"
	"strings"
)

// SplitArgs splits s into words the way a POSIX shell would for a simple command, without any
// expansion: blanks separate words, '...' is literal, "..." keeps blanks and honours \" \\ \$ \`
// and a backslash outside quotes escapes the next character. Users write --exec, --build and
// build_flags as one string; this lets them quote an argument holding a space.
func SplitArgs(s string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		quote   byte // 0, '\'' or '"'
		escaped bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
			if c != '\n' { // backslash-newline is a line continuation
				cur.WriteByte(c)
			}
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0:
				i++
				if s[i] != '\n' {
					cur.WriteByte(s[i])
				}
			default:
				cur.WriteByte(c)
			}
		case c == '\\':
			escaped, inWord = true, true
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated " + string(quote) + " quote in " + strings.TrimSpace(s))
	}
	if escaped {
		cur.WriteByte('\\')
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// NeedsShell reports whether s uses something only a shell gives: operators (&& | ; > <),
// substitutions ($VAR, `cmd`, $(cmd)), globs, ~, comments or a leading VAR=value assignment.
// Such strings run as `sh -c s` instead of being split.
func NeedsShell(s string) bool {
	var quote byte
	wordStart, firstWord := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch quote {
		case '\'':
			if c == '\'' {
				quote = 0
			}
			continue
		case '"':
			switch c {
			case '"':
				quote = 0
			case '\\':
				i++
			case '$', '`':
				return true
			}
			continue
		}
		switch c {
		case '\\':
			i++
			wordStart = false
			continue
		case '\'', '"':
			quote = c
		case ' ', '\t':
			if !wordStart {
				firstWord = false
			}
			wordStart = true
			continue
		case '\n', '|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?', '[', '{':
			return true
		case '~', '#':
			if wordStart {
				return true
			}
		case '=':
			if firstWord {
				return true
			}
		}
		wordStart = false
	}
	return false
}

// ShellCommand turns a user's command string into an argv: split when it is a simple command,
// else ["sh", "-c", s] so that && pipes and redirections work as typed.
func ShellCommand(s string) ([]string, error) {
	if NeedsShell(s) {
		return []string{"sh", "-c", s}, nil
	}
	argv, err := SplitArgs(s)
	if err != nil {
		return nil, err
	}
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	return argv, nil
}

// withArgs returns argv for running the command string s followed by extra arguments. A shell
// string gets them as "$@" so that they stay single words whatever they contain.
func withArgs(s string, extra []string) ([]string, error) {
	if NeedsShell(s) {
		return append([]string{"sh", "-c", s + ` "$@"`, "sh"}, extra...), nil
	}
	argv, err := ShellCommand(s)
	if err != nil {
		return nil, err
	}
	return append(argv, extra...), nil
}
