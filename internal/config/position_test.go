package config

import "testing"

func TestIndexKeys(t *testing.T) {
	src := `# comment
top = 1
[process.web]   # a table
run = "x"
"quoted key".inner = 2
'lit' = 3
env.PORT = "80"
doc = """
fake = 1
"""
after = 4
[ process . "my app" ]
run = "y"
list = [
  "not = a key",
]
[[arr]]
item = 5
`
	idx := indexKeys(src)
	cases := []struct {
		key  []string
		line int
	}{
		{[]string{"top"}, 2},
		{[]string{"process", "web"}, 3},
		{[]string{"process", "web", "run"}, 4},
		{[]string{"process", "web", "quoted key", "inner"}, 5},
		{[]string{"process", "web", "lit"}, 6},
		{[]string{"process", "web", "env", "PORT"}, 7},
		{[]string{"process", "web", "env"}, 3}, // only written as part of env.PORT: its table's line
		{[]string{"process", "web", "fake"}, 3},
		{[]string{"process", "web", "after"}, 11},
		{[]string{"process", "my app", "run"}, 13},
		{[]string{"process", "my app", "not"}, 12},
		{[]string{"arr", "item"}, 18},
		{[]string{"nothing"}, 0},
	}
	for _, tc := range cases {
		if got := idx.line(tc.key); got != tc.line {
			t.Errorf("line(%q) = %d, want %d", tc.key, got, tc.line)
		}
	}
}
