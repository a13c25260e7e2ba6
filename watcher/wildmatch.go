package watcher

// wildmatch reports whether text matches a .gitignore pattern the way git matches paths
// (its wildmatch with WM_PATHNAME): '*', '?' and bracket expressions never match '/'; "**"
// matches across folders only as a whole path element ("**/x", "x/**", "a/**/b"), anywhere
// else it is a plain '*'; a backslash makes the next byte literal. Matching is byte-wise and
// case-sensitive, as git's is by default.
func wildmatch(p, text string) bool { return matchFrom(p, text, true) }

// matchFrom matches p against text; atElementStart says whether p starts a path element
// (the start of the pattern or right after a '/'), which decides whether "**" crosses folders.
func matchFrom(p, text string, atElementStart bool) bool {
	for len(p) > 0 {
		switch c := p[0]; c {
		case '*':
			return matchStars(p, text, atElementStart)
		case '/':
			if len(text) == 0 || text[0] != '/' {
				return false
			}
			p, text, atElementStart = p[1:], text[1:], true
			continue
		case '\\':
			if len(p) < 2 || len(text) == 0 || text[0] != p[1] {
				return false // a trailing backslash never matches, as in git
			}
			p, text = p[2:], text[1:]
		case '?':
			if len(text) == 0 || text[0] == '/' {
				return false
			}
			p, text = p[1:], text[1:]
		case '[':
			if len(text) == 0 || text[0] == '/' {
				return false
			}
			ok, n := matchBracket(p, text[0])
			if n == 0 || !ok {
				return false // an unclosed bracket never matches
			}
			p, text = p[n:], text[1:]
		default:
			if len(text) == 0 || text[0] != c {
				return false
			}
			p, text = p[1:], text[1:]
		}
		atElementStart = false
	}
	return len(text) == 0
}

// matchStars matches p, which starts with a run of stars, against text.
func matchStars(p, text string, atElementStart bool) bool {
	n := 0
	for n < len(p) && p[n] == '*' {
		n++
	}
	rest := p[n:]
	if n >= 2 && atElementStart && (rest == "" || rest[0] == '/') {
		if rest == "" {
			return true // "x/**" and "**": everything below, across folders
		}
		// "**/": zero or more whole folders.
		after := rest[1:]
		if matchFrom(after, text, true) {
			return true
		}
		for i := 0; i < len(text); i++ {
			if text[i] == '/' && matchFrom(after, text[i+1:], true) {
				return true
			}
		}
		return false
	}
	// A single star, or a "**" that is not a whole element: anything but '/'.
	for i := 0; i <= len(text); i++ {
		if matchFrom(rest, text[i:], false) {
			return true
		}
		if i < len(text) && text[i] == '/' {
			return false
		}
	}
	return false
}

// matchBracket matches one byte against the bracket expression at the start of p. It returns
// whether it matched and the length of the expression, 0 if it is not closed.
func matchBracket(p string, b byte) (bool, int) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	matched := false
	first := true
	for {
		if i >= len(p) {
			return false, 0
		}
		c := p[i]
		if c == ']' && !first {
			i++
			break
		}
		first = false
		if c == '[' && i+1 < len(p) && p[i+1] == ':' {
			end := indexFrom(p, i+2, ":]")
			if end < 0 {
				// Not a class: a literal '['.
				if b == '[' {
					matched = true
				}
				i++
				continue
			}
			class := p[i+2 : end]
			ok, known := inClass(class, b)
			if !known {
				return false, 0 // git gives up on unknown classes
			}
			if ok {
				matched = true
			}
			i = end + 2
			continue
		}
		if c == '\\' {
			i++
			if i >= len(p) {
				return false, 0
			}
			c = p[i]
		}
		lo := c
		i++
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi := p[i+1]
			i += 2
			if hi == '\\' {
				if i >= len(p) {
					return false, 0
				}
				hi = p[i]
				i++
			}
			if lo <= b && b <= hi {
				matched = true
			}
			continue
		}
		if b == lo {
			matched = true
		}
	}
	return matched != negate, i
}

func indexFrom(s string, from int, sub string) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// inClass reports whether b is in the POSIX class name (ASCII only), and whether the class
// is known.
func inClass(name string, b byte) (in, known bool) {
	isUpper := 'A' <= b && b <= 'Z'
	isLower := 'a' <= b && b <= 'z'
	isDigit := '0' <= b && b <= '9'
	switch name {
	case "alnum":
		return isUpper || isLower || isDigit, true
	case "alpha":
		return isUpper || isLower, true
	case "blank":
		return b == ' ' || b == '\t', true
	case "cntrl":
		return b < 32 || b == 127, true
	case "digit":
		return isDigit, true
	case "graph":
		return b > 32 && b < 127, true
	case "lower":
		return isLower, true
	case "print":
		return b >= 32 && b < 127, true
	case "punct":
		return b > 32 && b < 127 && !isUpper && !isLower && !isDigit, true
	case "space":
		return b == ' ' || (b >= '\t' && b <= '\r'), true
	case "upper":
		return isUpper, true
	case "xdigit":
		return isDigit || ('a' <= b && b <= 'f') || ('A' <= b && b <= 'F'), true
	}
	return false, false
}
