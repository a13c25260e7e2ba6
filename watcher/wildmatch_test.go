package watcher

import "testing"

func TestWildmatch(t *testing.T) {
	cases := []struct {
		pat, text string
		want      bool
	}{
		{"foo", "foo", true},
		{"foo", "fo", false},
		{"f?o", "f/o", false},
		{"*.go", "main.go", true},
		{"*.go", "a/main.go", false}, // '*' never crosses folders
		{"a/*/c", "a/b/c", true},
		{"a/*/c", "a/b/x/c", false},
		{"**/c", "c", true},
		{"**/c", "a/b/c", true},
		{"a/**", "a/b/c", true},
		{"a/**", "a", false},
		{"a/**/c", "a/c", true},
		{"a/**/c", "a/x/y/c", true},
		{"a/**/c", "a/xc", false},
		{"a**b", "axxb", true}, // not a whole element: a plain star
		{"a**b", "ax/b", false},
		{"**foo", "xfoo", true},
		{"**foo", "x/foo", false},
		{"[abc]x", "bx", true},
		{"[abc]x", "dx", false},
		{"[!abc]x", "dx", true},
		{"[^abc]x", "ax", false},
		{"[a-c]", "b", true},
		{"[a-c]", "d", false},
		{"[]]", "]", true},
		{"[]a]", "a", true},
		{"[!]]", "a", true},
		{"[[:digit:]]", "7", true},
		{"[[:alpha:][:digit:]]", "x", true},
		{"[[:nope:]]", "x", false},
		{"a[/]b", "a/b", false},
		{"[abc", "a", false}, // unclosed
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`a\`, "a", false},
		{`\[x]`, "[x]", true},
		{"*", "", true},
		{"*/", "a/", true},
		{"a/**/", "a/b/", true},
	}
	for _, c := range cases {
		if got := wildmatch(c.pat, c.text); got != c.want {
			t.Errorf("wildmatch(%q, %q) = %v, want %v", c.pat, c.text, got, c.want)
		}
	}
}
