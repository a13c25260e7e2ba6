package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// inferIn writes files into a fresh current folder and infers from it.
func inferIn(t *testing.T, files map[string]string) (*Inferred, string, error) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inf, err := Infer()
	return inf, dir, err
}

func TestInfer(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		from    string
		run     string
		args    []string
		command string
		check   func(t *testing.T, s Settings, dir string)
		unknown []string
	}{
		{name: "package.json main", files: map[string]string{"package.json": `{"main":"server.js"}`, "server.js": ""},
			from: "package.json main", run: "server.js", command: "devrun -- server.js"},
		{name: "start script", files: map[string]string{"package.json": `{"scripts":{"start":"node --inspect src/app.js --port 3000"}}`, "src/app.js": ""},
			from: "package.json start script", run: "src/app.js", args: []string{"--port", "3000"}},
		{name: "start script that is not node", files: map[string]string{"package.json": `{"scripts":{"start":"next start"}}`, "main.go": "package main\nfunc main() {}\n"},
			from: "the Go main package in this folder", run: "."},
		{name: "nodemon.json", files: map[string]string{
			"package.json": `{"main":"server.js"}`, "server.js": "", "src/x.js": "",
			"nodemon.json": `{"watch":["src"],"ext":"js,json,html","ignore":["*.test.js"],"delay":2500,"signal":"SIGHUP","env":{"PORT":3000},"verbose":true,"restartable":"rs","colours":true}`},
			from: "nodemon.json", run: "server.js", unknown: []string{"colours", "restartable"},
			check: func(t *testing.T, s Settings, dir string) {
				if !reflect.DeepEqual(s.Watch, []string{filepath.Join(dir, "src")}) || !reflect.DeepEqual(s.Ext, []string{"js", "json", "html"}) ||
					!reflect.DeepEqual(s.Ignore, []string{"*.test.js"}) || s.Delay != 2500*time.Millisecond || s.Signal != "SIGHUP" ||
					!reflect.DeepEqual(s.Env, []string{"PORT=3000"}) || !s.Verbose {
					t.Errorf("settings = %+v", s)
				}
			}},
		{name: "nodemonConfig with script and exec", files: map[string]string{
			"package.json": `{"nodemonConfig":{"exec":"python3 -u","script":"app.py","args":["--debug"],"legacyWatch":true}}`, "app.py": ""},
			from: "package.json nodemonConfig", run: "app.py", args: []string{"--debug"},
			check: func(t *testing.T, s Settings, _ string) {
				if s.Exec != "python3 -u" || s.Poll != 500*time.Millisecond {
					t.Errorf("settings = %+v", s)
				}
			}},
		{name: ".air.toml with go build", files: map[string]string{
			"cmd/web/main.go": "package main\nfunc main() {}\n", "tmp/.keep": "",
			".air.toml": "root = \".\"\ntmp_dir = \"tmp\"\n[build]\ncmd = \"go build -o ./tmp/main ./cmd/web\"\nbin = \"./tmp/main\"\ninclude_ext = [\"go\", \"tpl\", \"tmpl\", \"html\"]\nexclude_dir = [\"assets\", \"tmp\", \"vendor\", \"testdata\"]\nexclude_regex = [\"_test.go\"]\ndelay = 1000\nkill_delay = \"2s\"\nsend_interrupt = true\nstop_on_error = true\n[color]\nmain = \"magenta\"\n"},
			from: ".air.toml", run: "cmd/web",
			unknown: []string{"build.stop_on_error", "color", "build.exclude_regex (devrun takes globs: -i)"},
			check: func(t *testing.T, s Settings, _ string) {
				if !reflect.DeepEqual(s.Ext, []string{"go", "tpl", "tmpl", "html"}) || !reflect.DeepEqual(s.Ignore, []string{"assets/", "tmp/", "vendor/", "testdata/"}) ||
					s.Delay != time.Second || s.Grace != 2*time.Second || s.Signal != "SIGINT" {
					t.Errorf("settings = %+v", s)
				}
			}},
		{name: ".air.toml with its own build", files: map[string]string{
			".air.toml": "[build]\ncmd = \"make build\"\nbin = \"bin/app\"\nargs_bin = [\"serve\"]\n"},
			from: ".air.toml", command: "devrun --build 'make build' --exec bin/app serve",
			check: func(t *testing.T, s Settings, _ string) {
				if s.Build != "make build" || s.Exec != "bin/app" || s.Run != "serve" {
					t.Errorf("settings = %+v", s)
				}
			}},
		{name: "Go main package", files: map[string]string{"go.mod": "module x\n", "main.go": "package main\nfunc main() {}\n"},
			from: "the Go main package in this folder", run: "."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inf, dir, err := inferIn(t, tc.files)
			if err != nil {
				t.Fatal(err)
			}
			s := inf.Settings
			if inf.From != tc.from || tc.run != "" && s.Run != tc.run || tc.args != nil && !reflect.DeepEqual(s.Args, tc.args) {
				t.Errorf("From %q Run %q Args %q; want %q %q %q", inf.From, s.Run, s.Args, tc.from, tc.run, tc.args)
			}
			if tc.command != "" && strings.Join(inf.Command, " ") != strings.ReplaceAll(tc.command, "'", "") {
				t.Errorf("Command = %q, want %q", inf.Command, tc.command)
			}
			if !reflect.DeepEqual(inf.Unknown, tc.unknown) {
				t.Errorf("Unknown = %q, want %q", inf.Unknown, tc.unknown)
			}
			if tc.check != nil {
				tc.check(t, s, dir)
			}
		})
	}
}

func TestInferErrors(t *testing.T) {
	if _, _, err := inferIn(t, map[string]string{"README": "x"}); !errors.Is(err, ErrNothingToInfer) {
		t.Errorf("empty folder: %v", err)
	}
	if _, _, err := inferIn(t, map[string]string{"nodemon.json": `{"watch":`}); err == nil || !strings.HasPrefix(err.Error(), "nodemon.json: ") {
		t.Errorf("broken nodemon.json: %v", err)
	}
	if _, _, err := inferIn(t, map[string]string{"nodemon.json": `{"signal":"SIGFOO","script":"a.js"}`, "a.js": ""}); err == nil ||
		err.Error() != `nodemon.json: --signal: "SIGFOO" is not a signal devrun can send (did you mean "SIGINT"?)` {
		t.Errorf("bad signal: %v", err)
	}
	if _, _, err := inferIn(t, map[string]string{".air.toml": "[build]\ncmd = \"make\"\n"}); err == nil || !strings.Contains(err.Error(), "build.bin is not set") {
		t.Errorf("air without bin: %v", err)
	}
}
