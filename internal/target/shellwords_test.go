package target

import (
	"slices"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "  python3   -u  ", want: []string{"python3", "-u"}},
		{in: `node --title 'my app' "x y"`, want: []string{"node", "--title", "my app", "x y"}},
		{in: `a'b'"c"d`, want: []string{"abcd"}},
		{in: `'' ""`, want: []string{"", ""}},
		{in: `"a \"q\" \\ \$x \n"`, want: []string{`a "q" \ $x \n`}},
		{in: `'it\''s'`, want: []string{`it\s`}},
		{in: `a\ b c\\d`, want: []string{"a b", `c\d`}},
		{in: "a \\\nb", want: []string{"a", "b"}},
		{in: "-ldflags '-X main.v=1' -tags dev", want: []string{"-ldflags", "-X main.v=1", "-tags", "dev"}},
		{in: `unterminated "quote`, wantErr: true},
		{in: `it's`, wantErr: true},
	}
	for _, tc := range cases {
		got, err := SplitArgs(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("SplitArgs(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !slices.Equal(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNeedsShell(t *testing.T) {
	cases := map[string]bool{
		"make bin/server":                false,
		"go build -ldflags='-X a.b=c' .": false,
		`go build -ldflags "-X a.b=c" .`: false,
		"python3 -u":                     false,
		"echo 'a && b'":                  false,
		"a=b":                            true,
		"CGO_ENABLED=0 go build .":       true,
		"make gen && make bin":           true,
		"a | b":                          true,
		"a; b":                           true,
		"a > log":                        true,
		"echo $HOME":                     true,
		`echo "$HOME"`:                   true,
		"echo `date`":                    true,
		"ls *.go":                        true,
		"cd ~/x":                         true,
		"a # comment":                    true,
		"a b#c":                          false,
		"a\nb":                           true,
		`echo a\&b`:                      false,
	}
	for in, want := range cases {
		if got := NeedsShell(in); got != want {
			t.Errorf("NeedsShell(%q) = %v, want %v", in, got, want)
		}
	}
}
