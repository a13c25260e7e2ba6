package target

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	gomod := "module example.com/app\n\ngo 1.22\n"
	cases := []struct {
		name    string
		files   map[string]string
		target  string
		args    []string
		opts    Options
		noGo    bool     // PATH without the go toolchain
		extra   []string // stub programs on PATH
		wantErr string   // substring; "$ROOT" stands for the tree

		kind       Kind
		wantName   string
		command    []string // "$BIN": the built binary, "$ROOT": the tree
		build      []string // "$GO": the go toolchain
		buildDir   string
		watchRoots []string
		exts       []string
		globs      []string // want Target.Files
		ignore     []string
		node       bool
	}{
		{
			name:   "go package folder",
			files:  map[string]string{"go.mod": gomod, "cmd/web/main.go": mainGo, "cmd/web/main_test.go": "package main\n"},
			target: "./cmd/web", args: []string{"--port", "8080"},
			kind: Go, wantName: "web",
			command:    []string{"$BIN", "--port", "8080"},
			build:      []string{"$GO", "build", "-o", "$BIN", "-ldflags=-w", "./cmd/web"},
			buildDir:   "$ROOT",
			watchRoots: []string{"$ROOT"}, exts: goExts,
			globs:  []string{"go.mod", "go.sum", "go.work", "go.work.sum"},
			ignore: []string{"**/*_test.go", "**/testdata/**"},
		},
		{
			name:   "go module root as dot with build flags",
			files:  map[string]string{"go.mod": gomod, "main.go": mainGo},
			target: ".", opts: Options{BuildFlags: []string{"-tags", "dev", "-race"}},
			kind: Go, wantName: filepath.Base("$ROOT"),
			command:    []string{"$BIN"},
			build:      []string{"$GO", "build", "-o", "$BIN", "-ldflags=-w", "-tags", "dev", "-race", "."},
			buildDir:   "$ROOT",
			watchRoots: []string{"$ROOT"}, exts: goExts,
			globs: []string{"go.mod", "go.sum", "go.work", "go.work.sum"},
		},
		{
			name:   "go file builds just that file",
			files:  map[string]string{"go.mod": gomod, "tools/gen/main.go": "//go:build ignore\n\n" + mainGo, "tools/gen/other.go": "package other\n"},
			target: "tools/gen/main.go",
			kind:   Go, wantName: "gen",
			command:  []string{"$BIN"},
			build:    []string{"$GO", "build", "-o", "$BIN", "-ldflags=-w", "./tools/gen/main.go"},
			buildDir: "$ROOT",
		},
		{
			name:   "go file with exec wraps the binary",
			files:  map[string]string{"go.mod": gomod, "main.go": mainGo},
			target: "main.go", args: []string{"a"}, opts: Options{Exec: "dlv exec --"},
			extra: []string{"dlv"},
			kind:  Go, command: []string{"dlv", "exec", "--", "$BIN", "a"},
		},
		{
			name:   "go build step runs before go build",
			files:  map[string]string{"go.mod": gomod, "main.go": mainGo},
			target: ".", opts: Options{Build: "go generate ./..."},
			kind:     Go,
			build:    []string{"sh", "-c", "{ go generate ./...\n} && cd \"$0\" && exec \"$@\"", "$ROOT", "$GO", "build", "-o", "$BIN", "-ldflags=-w", "."},
			buildDir: "$ROOT",
		},
		{
			name:    "only test files",
			files:   map[string]string{"go.mod": gomod, "pkg/a_test.go": "package pkg\n"},
			target:  "./pkg",
			wantErr: "./pkg: only test files (_test.go): nothing to run",
		},
		{
			name:    "not package main",
			files:   map[string]string{"go.mod": gomod, "lib/lib.go": "package lib\n"},
			target:  "./lib",
			wantErr: "./lib: package lib is not a main package",
		},
		{
			name:    "several packages",
			files:   map[string]string{"go.mod": gomod, "x/a.go": "package a\n", "x/b.go": "package b\n"},
			target:  "x",
			wantErr: "x: files of several packages (a, b)",
		},
		{
			name:    "folder without go files",
			files:   map[string]string{"go.mod": gomod, "assets/logo.svg": "<svg/>"},
			target:  "assets",
			wantErr: "assets: a folder without Go files",
		},
		{
			name:    "no go.mod",
			files:   map[string]string{"main.go": mainGo},
			target:  ".",
			wantErr: "no go.mod found above $ROOT: devrun builds Go packages inside a module (go mod init ...)",
		},
		{
			name:    "go not on PATH",
			files:   map[string]string{"go.mod": gomod, "main.go": mainGo},
			target:  ".",
			noGo:    true,
			wantErr: "go not found on PATH: devrun needs the Go toolchain to build .",
		},
		{
			name:    "a test file named",
			files:   map[string]string{"go.mod": gomod, "main_test.go": "package main\n"},
			target:  "main_test.go",
			wantErr: "main_test.go: a test file",
		},
		{
			name:   "executable file",
			files:  map[string]string{"bin/server.sh*": "#!/bin/sh\n"},
			target: "bin/server.sh", args: []string{"-v"},
			kind: Executable, wantName: "server",
			command:    []string{"$ROOT/bin/server.sh", "-v"},
			watchRoots: []string{"$ROOT"},
		},
		{
			name:    "file neither executable nor known",
			files:   map[string]string{"README.md": "# hi"},
			target:  "README.md",
			wantErr: "README.md: not executable and not a script devrun knows",
		},
		{
			name:   "file with exec",
			files:  map[string]string{"job.rb": "puts 1"},
			target: "job.rb", opts: Options{Exec: "ruby -w"}, extra: []string{"ruby"},
			kind: Command, wantName: "job",
			command: []string{"ruby", "-w", "job.rb"}, exts: []string{"rb", "erb", "rake", "ru"},
		},
		{
			name:   "node script",
			files:  map[string]string{"server.js": "", "node_modules/x/index.js": ""},
			target: "server.js", args: []string{"--x"}, extra: []string{"node"},
			kind: Node, wantName: "server",
			command:    []string{"node", "server.js", "--x"},
			watchRoots: []string{"$ROOT"},
			exts:       []string{"js", "mjs", "cjs", "json"},
			ignore:     []string{"**/node_modules/**"},
			node:       true,
		},
		{
			name:   "esm node script with exec keeps node channel",
			files:  map[string]string{"app.mjs": ""},
			target: "app.mjs", opts: Options{Exec: "node --inspect"}, extra: []string{"node"},
			kind: Node, command: []string{"node", "--inspect", "app.mjs"}, node: true,
		},
		{
			name:    "node missing",
			files:   map[string]string{"server.cjs": ""},
			target:  "server.cjs",
			wantErr: "node not found on PATH: devrun needs it to run server.cjs",
		},
		{
			name:   "python script",
			files:  map[string]string{"app.py": ""},
			target: "app.py", extra: []string{"python3"},
			kind: Python, wantName: "app",
			command: []string{"python3", "app.py"},
			exts:    []string{"py"},
		},
		{
			name:   "python with exec",
			files:  map[string]string{"app.py": ""},
			target: "app.py", opts: Options{Exec: "python3 -u"}, extra: []string{"python3"},
			kind: Python, command: []string{"python3", "-u", "app.py"},
		},
		{
			name:   "typescript with local tsx",
			files:  map[string]string{"node_modules/.bin/tsx*": "#!/bin/sh\n", "src/index.ts": ""},
			target: "src/index.ts",
			kind:   TypeScript, wantName: "index",
			command: []string{"$ROOT/node_modules/.bin/tsx", "src/index.ts"},
			node:    true,
		},
		{
			name:   "typescript with tsx on PATH",
			files:  map[string]string{"index.ts": ""},
			target: "index.ts", extra: []string{"tsx"},
			kind: TypeScript, command: []string{"$PATHBIN/tsx", "index.ts"}, node: true,
		},
		{
			name:    "typescript without tsx",
			files:   map[string]string{"index.ts": ""},
			target:  "index.ts",
			wantErr: "index.ts: TypeScript runs with tsx, which is not installed: npm i -D tsx",
		},
		{
			name:   "command on PATH",
			target: "mycmd", args: []string{"serve"}, extra: []string{"mycmd"},
			kind: Command, wantName: "mycmd",
			command:    []string{"mycmd", "serve"},
			watchRoots: []string{"$ROOT"},
		},
		{
			name:   "command with build step",
			target: "mycmd", extra: []string{"mycmd"}, opts: Options{Build: "make bin/server"},
			kind: Command, build: []string{"make", "bin/server"}, buildDir: "$ROOT",
		},
		{
			name:   "command with shell build step",
			target: "mycmd", extra: []string{"mycmd"}, opts: Options{Build: "make gen && make bin"},
			kind: Command, build: []string{"sh", "-c", "make gen && make bin"},
		},
		{
			name:   "exec alone is the command",
			target: "", args: []string{"x"}, opts: Options{Exec: "mycmd --flag 'a b'"}, extra: []string{"mycmd"},
			kind: Command, wantName: "mycmd",
			command: []string{"mycmd", "--flag", "a b", "x"},
		},
		{
			name:   "exec alone with shell syntax",
			target: "", opts: Options{Exec: "mycmd | mycmd"}, extra: []string{"mycmd"},
			kind: Command, wantName: "mycmd",
			command: []string{"sh", "-c", `mycmd | mycmd "$@"`, "sh"},
		},
		{
			name:    "unknown command",
			target:  "nosuchprogram",
			wantErr: "nosuchprogram: not a Go package, a file, or a command on PATH",
		},
		{
			name:    "missing path",
			target:  "./cmd/nope",
			wantErr: "./cmd/nope: no such file or folder",
		},
		{
			name:    "missing script",
			target:  "app.js",
			wantErr: "app.js: no such file or folder",
		},
		{
			name:    "nothing",
			target:  "",
			wantErr: "nothing to run",
		},
		{
			name:    "exec program missing",
			target:  "",
			opts:    Options{Exec: "nosuch -x"},
			wantErr: "--exec: nosuch not found on PATH",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tc.files)
			extra := append([]string{"sh"}, tc.extra...)
			pathBin := fakePath(t, !tc.noGo, extra...)
			cache := t.TempDir()
			opts := tc.opts
			opts.Dir, opts.CacheDir = root, cache

			got, err := Detect(tc.target, tc.args, opts)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "$ROOT", root)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want it to contain %q", err, want)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error is not one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer got.Cleanup()

			bin := ""
			if got.Kind == Go {
				bin = got.Build[slices.Index(got.Build, "-o")+1]
				if !strings.HasPrefix(bin, cache+string(filepath.Separator)) || strings.HasPrefix(bin, root) {
					t.Fatalf("binary %s is not in the cache folder %s", bin, cache)
				}
			}
			goBin, _ := lookPathIn("go")
			expand := func(s []string) []string {
				var out []string
				for _, v := range s {
					v = strings.ReplaceAll(v, "$BIN", bin)
					v = strings.ReplaceAll(v, "$ROOT", root)
					v = strings.ReplaceAll(v, "$GO", goBin)
					v = strings.ReplaceAll(v, "$PATHBIN", pathBin)
					out = append(out, v)
				}
				return out
			}
			check := func(field string, got, want any) {
				t.Helper()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", field, got, want)
				}
			}
			check("Kind", got.Kind, tc.kind)
			check("Dir", got.Dir, root)
			check("Node", got.Node, tc.node)
			if tc.wantName != "" {
				check("Name", got.Name, strings.ReplaceAll(tc.wantName, "$ROOT", filepath.Base(root)))
			}
			if tc.command != nil {
				check("Command", got.Command, expand(tc.command))
			}
			if tc.build != nil || got.Kind != Go {
				var want []string
				if tc.build != nil {
					want = expand(tc.build)
				}
				check("Build", got.Build, want)
			}
			if tc.buildDir != "" {
				check("BuildDir", got.BuildDir, expand([]string{tc.buildDir})[0])
			}
			if tc.watchRoots != nil {
				check("WatchRoots", got.WatchRoots, expand(tc.watchRoots))
			}
			if tc.exts != nil || got.Kind == Executable || got.Kind == Command {
				check("Exts", got.Exts, tc.exts)
			}
			if tc.globs != nil {
				check("Files", got.Files, tc.globs)
			}
			if tc.ignore != nil {
				check("Ignore", got.Ignore, tc.ignore)
			}
		})
	}
}

// TestDetectDefaultsToCurrentDir checks that a relative target is taken from, and the child
// runs in, the folder devrun was started in when Options.Dir is empty.
func TestDetectDefaultsToCurrentDir(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module m\n", "cmd/x/main.go": mainGo})
	fakePath(t, true)
	t.Chdir(filepath.Join(root, "cmd"))
	got, err := Detect("./x", nil, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Cleanup()
	if want := filepath.Join(root, "cmd"); got.Dir != want {
		t.Errorf("Dir = %s, want %s (where devrun started, as go run does)", got.Dir, want)
	}
	if got.BuildDir != root || got.Build[len(got.Build)-1] != "./cmd/x" {
		t.Errorf("Build = %q in %s, want ./cmd/x in the module root %s", got.Build, got.BuildDir, root)
	}
}

// TestCommandWatchDefaults: a command's interpreter decides its sources, and the data a
// running program writes never counts.
func TestCommandWatchDefaults(t *testing.T) {
	cases := []struct {
		argv []string
		exts []string
	}{
		{[]string{"python3", "-m", "uvicorn", "main:app"}, []string{"py"}},
		{[]string{"uvicorn", "main:app", "--port", "8000"}, []string{"py"}},
		{[]string{"/usr/bin/python3.12", "app.py"}, []string{"py"}},
		{[]string{"env", "FLASK_APP=app", "flask", "run"}, []string{"py"}},
		{[]string{"gunicorn", "-w", "2", "app:app"}, []string{"py"}},
		{[]string{"npx", "tsx", "server.ts"}, nodeExts},
		{[]string{"tsx", "watch", "server.ts"}, tsExts},
		{[]string{"bundle", "exec", "rails", "s"}, []string{"rb", "erb", "rake", "ru"}},
		{[]string{"./server"}, nil},
		{[]string{"make", "run"}, nil},
	}
	for _, tc := range cases {
		tg := &Target{Command: tc.argv}
		commandDefaults(tg)
		if !reflect.DeepEqual(tg.Exts, tc.exts) {
			t.Errorf("%v: Exts = %v, want %v", tc.argv, tg.Exts, tc.exts)
		}
		if !slices.Contains(tg.Ignore, "**/*.db") || !slices.Contains(tg.Ignore, "**/*.sqlite3") || !slices.Contains(tg.Ignore, "**/*-journal") {
			t.Errorf("%v: Ignore = %v lacks the runtime data", tc.argv, tg.Ignore)
		}
	}
}

func TestIgnoreUnlessNamed(t *testing.T) {
	tg := &Target{Ignore: []string{"**/*.db", "**/*.log", "**/build/**", "**/node_modules/**"}}
	got := tg.IgnoreUnlessNamed([]string{"db", "go"}, []string{"/p/build/assets"})
	if want := []string{"**/*.log", "**/node_modules/**"}; !reflect.DeepEqual(got, want) {
		t.Errorf("IgnoreUnlessNamed = %v, want %v", got, want)
	}
}

// goExts is what Go mode watches by default: sources go build compiles, cgo's included, and
// templates.
var goExts = []string{"F", "S", "c", "cc", "cpp", "cxx", "f", "f90", "for", "go", "gohtml", "h", "hh", "hpp", "html", "hxx", "m", "s", "swig", "swigcxx", "sx", "syso", "tmpl", "tpl"}
