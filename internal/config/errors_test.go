package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestLoadErrors: every problem is reported with the file, its line and key, and a message
// that says what is wrong. want holds "LINE KEY: message" lines, one per expected error, in
// order; a message may be a prefix of the real one.
func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"syntax error", "run = \"./cmd/web\"\nscale = \n", []string{`2 scale: expected value but found '\n' instead`}},
		{"duplicate key", "[process.web]\nrun = \"a\"\nrun = \"b\"\n", []string{"3 process.web.run: Key 'process.web.run' has already been defined."}},
		{"unknown top-level key", "run = \"./cmd/web\"\n\nwach = [\"internal\"]\n", []string{`3 wach: unknown key (did you mean "watch"?)`}},
		{"unknown process key", "[process.web]\nrun = \"./cmd/web\"\nscael = 2\n", []string{`3 process.web.scael: unknown key (did you mean "scale"?)`}},
		{"alias of another tool", "[process.web]\ncommand = \"./cmd/web\"\n", []string{`2 process.web.command: unknown key (did you mean "run"?)`}},
		{"unknown key without suggestion", "zzzzzzzz = 1\n", []string{`1 zzzzzzzz: unknown key`}},
		{"top-level key in a process", "[process.web]\nrun = \"x\"\nquiet = true\n", []string{"3 process.web.quiet: unknown key (quiet is a top-level setting of devrun, not of a process)"}},
		{"scale of the wrong type", "[process.w]\nrun = \"x\"\nscale = 1.5\n", []string{`3 process.w.scale: want an integer, got a float (1.5)`}},
		{"scale not a number", "[process.w]\nrun = \"x\"\nscale = \"two\"\n", []string{`3 process.w.scale: want a whole number, got "two"`}},
		{"boolean of the wrong type", "overlap = 1\n", []string{`1 overlap: want true or false, got an integer (1)`}},
		{"boolean not a boolean", "overlap = \"yes\"\n", []string{`1 overlap: want true or false, got "yes"`}},
		{"list of the wrong type", "watch = 3\n", []string{`1 watch: want a list of strings, got an integer (3)`}},
		{"list item of the wrong type", "args = [\"a\", 1]\n", []string{`1 args: want a list of strings, item 2 is an integer (1)`}},
		{"env not a table", "env = \"A=1\"\n", []string{`1 env: want a table of variables`}},
		{"env value not a string", "[process.w]\nrun = \"x\"\n[process.w.env]\nA = \"1\"\nB = [1]\n", []string{`5 process.w.env.B: want a string, got an array`}},
		{"duration without unit", "\ndelay = 200\n", []string{`2 delay: 200 has no unit: write a duration string such as "200ms" or "200s"`}},
		{"unparsable duration", "grace = \"fast\"\n", []string{`1 grace: "fast" is not a duration`}},
		{"negative duration", "[process.w]\nrun = \"x\"\nready_timeout = \"-1s\"\n", []string{`3 process.w.ready_timeout: "-1s" is negative`}},
		{"unknown signal", "signal = \"TREM\"\n", []string{`1 signal: "TREM" is not a signal devrun can send (did you mean "SIGTERM"?)`}},
		{"unknown restart policy", "restart = \"on_crash\"\n", []string{`1 restart: "on_crash" is not a restart policy: on-crash, always or never (did you mean "on-crash"?)`}},
		{"scale below 1", "[process.w]\nrun = \"x\"\nscale = 0\n", []string{`3 process.w.scale: must be 1 or more, got 0`}},
		{"process without run", "[process.web]\nrun = \"x\"\n\n[process.worker]\nscale = 2\n", []string{`4 process.worker: no run: say what to run`}},
		{"top-level run and processes", "run = \"./cmd/web\"\n[process.w]\nrun = \"x\"\n", []string{`1 run: run at the top level and [process.NAME] tables`}},
		{"depends_on at the top level", "depends_on = [\"db\"]\n", []string{`1 depends_on: depends_on belongs in a [process.NAME] table`}},
		{"unknown dependency", "[process.web]\nrun = \"x\"\ndepends_on = [\"wroker\"]\n[process.worker]\nrun = \"y\"\n", []string{`3 process.web.depends_on: no process named "wroker" (did you mean "worker"?)`}},
		{"dependency cycle", "[process.web]\nrun = \"x\"\ndepends_on = [\"worker\"]\n[process.worker]\nrun = \"y\"\ndepends_on = \"web\"\n", []string{`3 process.web.depends_on: dependency cycle: web -> worker -> web`}},
		{"self dependency", "[process.db]\nrun = \"x\"\n[process.web]\nrun = \"x\"\ndepends_on = [\"db\", \"web\"]\n", []string{`5 process.web.depends_on: dependency cycle: web -> web`}},
		{"two processes on one address", "[process.web]\nrun = \"x\"\nlisten = \"http=:8080\"\n[process.api]\nrun = \"y\"\nlisten = [\"127.0.0.1:8080\"]\n", []string{
			`6 process.api.listen: 127.0.0.1:8080 is already taken by process web (process.web.listen, line 3)`,
		}},
		{"one unix socket twice", "[process.web]\nrun = \"x\"\nlisten = [\"unix:/tmp/a.sock\", \"/tmp/./a.sock\"]\n", []string{`3 process.web.listen: /tmp/a.sock is listed twice`}},
		{"listen at the top level with two processes", "listen = \":9000\"\n[process.a]\nrun = \"x\"\n[process.b]\nrun = \"y\"\n", []string{`1 listen: every process would listen on :9000`}},
		{"name without address", "listen = [\"web=\"]\n", []string{`1 listen: "web=": no address after =`}},
		{"bad listen address", "listen = \"localhost\"\n", []string{`1 listen: "localhost" is not host:port, :port or a unix socket path`}},
		{"bad listen host", "listen = \"a:b:c\"\n", []string{`1 listen: "a:b:c" is not host:port, :port or a unix socket path`}},
		{"port out of range", "listen = \":70000\"\n", []string{`1 listen: ":70000": port 70000 is out of range`}},
		{"missing watch path", "watch = [\"internal\", \"cmd/nope\"]\n", []string{`1 watch: cmd/nope: no such file or folder`}},
		{"dir not a folder", "[process.w]\nrun = \"x\"\ndir = \"notadir\"\n", []string{`3 process.w.dir: notadir is not a folder`}},
		{"missing env_file", "env_file = \".env.local\"\n", []string{`1 env_file: .env.local: no such file or folder`}},
		{"env_file is a folder", "env_file = \"web\"\n", []string{`1 env_file: web is a folder, not a file`}},
		{"glob as extension", "ext = [\"go\", \"*.tmpl\"]\n", []string{`1 ext: "*.tmpl" is not a file extension`}},
		{"bad process name", "[process.\"my web\"]\nrun = \"x\"\n", []string{`1 process."my web": "my web": a process name may hold`}},
		{"process not a table", "[process]\nweb = \"./cmd/web\"\n", []string{`2 process.web: want a table ([process.web]), got a string`}},
		{"process array of tables", "[[process]]\nrun = \"x\"\n", []string{`1 process: want one table per process ([process.web]), got an array of tables`}},
		{"quiet and verbose", "quiet = true\nverbose = true\n", []string{`2 verbose: quiet and verbose are both set`}},
		{"bad quoting in args", "args = \"--name 'my app\"\n", []string{`1 args: unterminated ' quote`}},
		{"inline table keys fall back to their table's line", "[process]\nweb = { run = \"x\", scale = 0 }\n", []string{`2 process.web.scale: must be 1 or more, got 0`}},
		{"dotted keys", "process.web.run = \"x\"\nprocess.web.sacle = 2\n", []string{`2 process.web.sacle: unknown key (did you mean "scale"?)`}},
		{"keys after a multi-line string", "build = \"\"\"\nrun = 3\n\"\"\"\nrun = 3\n", []string{`4 run: want a string, got an integer (3)`}},
		{"several errors in line order", "[process.web]\nrun = \"x\"\nscale = 0\ndepends_on = [\"nope\"]\n\n[process.api]\nrun = \"y\"\nsignal = \"HUPP\"\n", []string{
			`3 process.web.scale: must be 1 or more`,
			`4 process.web.depends_on: no process named "nope" (processes: web, api)`,
			`8 process.api.signal: "HUPP" is not a signal`,
		}},
		{"rule without action", "[[on_change]]\nfiles = \"*.html\"\n", []string{`1 on_change: a rule needs one of send, run or signal`}},
		{"rule with two actions", "[[on_change]]\nfiles = \"*.html\"\nsend = \"reload\"\nrun = \"make\"\n", []string{`1 on_change: a rule takes one of send, run or signal, not run and send`}},
		{"rule without files", "[process.web]\nrun = \"x\"\n[[process.web.on_change]]\nsend = \"reload\"\n", []string{`3 process.web.on_change: a rule needs files`}},
		{"rule with an unknown key", "[[on_change]]\nfiles = \"*.html\"\nsned = \"reload\"\n", []string{
			`1 on_change: a rule needs one of send, run or signal`, `3 on_change.sned: unknown key (did you mean "send"?)`}},
		{"rule with a bad glob", "[[on_change]]\nfiles = [\"templates/[\"]\nsend = \"reload\"\n", []string{`2 on_change.files: "templates/[" is not a valid glob`}},
		{"rule with a bad signal", "[[on_change]]\nfiles = \"*.yaml\"\nsignal = \"HUPP\"\n", []string{`3 on_change.signal: "HUPP" is not a signal`}},
		{"a default's error is reported once", "delay = 5\n[process.a]\nrun = \"x\"\n[process.b]\nrun = \"y\"\n", []string{`1 delay: 5 has no unit`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, dir, err := load(t, tc.src)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			var got []*Error
			var list Errors
			var one *Error
			switch {
			case errors.As(err, &list):
				got = list
			case errors.As(err, &one):
				got = []*Error{one}
			default:
				t.Fatalf("error %T %v is not a config error", err, err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(got), len(tc.want), err)
			}
			for i, e := range got {
				if e.File != dir+"/"+FileName {
					t.Errorf("File = %s", e.File)
				}
				wantLine, rest, _ := strings.Cut(tc.want[i], " ")
				wantKey, wantMsg, _ := strings.Cut(rest, ": ")
				if fmt.Sprint(e.Line) != wantLine || e.Key != wantKey {
					t.Errorf("error %d at line %d key %q, want line %s key %q (%v)", i, e.Line, e.Key, wantLine, wantKey, e)
				}
				if !strings.HasPrefix(e.Msg, wantMsg) && !strings.Contains(e.Msg, wantMsg) {
					t.Errorf("error %d message %q, want %q", i, e.Msg, wantMsg)
				}
				if want := fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg); e.Error() != want {
					t.Errorf("Error() = %q, want %q", e.Error(), want)
				}
			}
		})
	}
}

func TestErrorWithoutLineOrKey(t *testing.T) {
	e := &Error{File: "devrun.toml", Msg: "broken"}
	if e.Error() != "devrun.toml: broken" {
		t.Errorf("Error() = %q", e.Error())
	}
	if got := (Errors{e, {File: "f", Line: 2, Key: "k", Msg: "m"}}).Error(); got != "devrun.toml: broken\nf:2: k: m" {
		t.Errorf("Errors.Error() = %q", got)
	}
}
