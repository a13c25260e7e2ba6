package config

import (
	"strconv"
	"strings"
)

// keyLines maps dotted keys to the line that defines them. BurntSushi/toml keeps key positions
// to itself (MetaData exposes none), so devrun finds them with a light scan of the source:
// table headers, key = value lines (dotted keys included) and multi-line strings to skip.
// Keys inside inline tables are not indexed; lookups fall back to the enclosing key's line.
type keyLines map[string]int

func indexKeys(src string) keyLines {
	idx := keyLines{}
	var table []string
	inString := "" // closing delimiter of the multi-line string we are in
	for n, line := range strings.Split(src, "\n") {
		lineNo := n + 1
		if inString != "" {
			if strings.Contains(line, inString) {
				inString = ""
			}
			continue
		}
		s := strings.TrimSpace(line)
		switch {
		case s == "" || s[0] == '#':
			continue
		case strings.HasPrefix(s, "[[") || s[0] == '[':
			inner := strings.TrimLeft(s, "[")
			if path, _, ok := parseKeyPath(inner); ok {
				table = path
				idx.add(table, lineNo)
			}
			continue
		}
		path, rest, ok := parseKeyPath(s)
		if !ok || !strings.HasPrefix(rest, "=") {
			continue
		}
		full := append(append([]string(nil), table...), path...)
		idx.add(full, lineNo)
		value := strings.TrimSpace(rest[1:])
		for _, delim := range []string{`"""`, `'''`} {
			if strings.HasPrefix(value, delim) && !strings.Contains(value[3:], delim) {
				inString = delim
			}
		}
	}
	return idx
}

func (idx keyLines) add(path []string, line int) {
	k := strings.Join(path, "\x00")
	if _, dup := idx[k]; !dup {
		idx[k] = line
	}
}

// line returns the line of key, else of its nearest enclosing key or table, else 0.
func (idx keyLines) line(key []string) int {
	for n := len(key); n > 0; n-- {
		if l, ok := idx[strings.Join(key[:n], "\x00")]; ok {
			return l
		}
	}
	return 0
}

// parseKeyPath reads a TOML key (bare, "quoted" or 'literal' parts joined by dots) at the start
// of s and returns it with the text after it.
func parseKeyPath(s string) (path []string, rest string, ok bool) {
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return nil, "", false
		}
		var part string
		switch s[0] {
		case '"':
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, "", false
			}
			unq, err := strconv.Unquote(s[:end+1])
			if err != nil {
				return nil, "", false
			}
			part, s = unq, s[end+1:]
		case '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return nil, "", false
			}
			part, s = s[1:end+1], s[end+2:]
		default:
			end := 0
			for end < len(s) && isBareKeyChar(s[end]) {
				end++
			}
			if end == 0 {
				return nil, "", false
			}
			part, s = s[:end], s[end:]
		}
		path = append(path, part)
		s = strings.TrimLeft(s, " \t")
		if !strings.HasPrefix(s, ".") {
			return path, s, true
		}
		s = s[1:]
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// dotted formats a key path for messages, quoting parts that are not bare keys.
func dotted(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = p
		for j := 0; j < len(p); j++ {
			if !isBareKeyChar(p[j]) {
				parts[i] = strconv.Quote(p)
				break
			}
		}
		if p == "" {
			parts[i] = `""`
		}
	}
	return strings.Join(parts, ".")
}
