package target

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Options are the command-line settings that change how a target is built and run.
type Options struct {
	Exec       string   // -x: interpreter or wrapper command, shell-like quoting; alone, the whole command
	Build      string   // --build: a build step for any target; shell syntax runs under sh -c
	BuildFlags []string // --build-flags: extra go build flags (Go targets only; ignored otherwise)
	CacheDir   string   // where built binaries go; "" = os.UserCacheDir()/devrun
	Dir        string   // folder the target is relative to and the child's working dir; "" = current

	// Debug runs the program under a debugger an editor can attach to: "" off, "on" the
	// debugger's usual address, else [host:]port. Go: dlv (headless, multi-client), built
	// without optimisations; Node: --inspect; Python: debugpy.
	Debug       string
	NoTemplates bool // Go mode: template files (.html .tmpl .tpl .gohtml) do not count
}

// Target is everything the runner and the watcher need to run one target.
type Target struct {
	Kind Kind
	Name string // process/binary name: Go package folder base, script or command base without extension

	Dir     string   // child working dir (absolute): Options.Dir, else where devrun was started, as go run does
	Command []string // argv to run (Go: the cached binary + args)

	Build    []string // build argv run before each start, nil = none
	BuildDir string   // where Build runs (Go: the module root)

	WatchRoots []string // default watch set (Go: the module root; others: Dir)
	Exts       []string // default extensions without dot; empty = every file
	Files      []string // globs relative to the watch root that count whatever their extension
	Ignore     []string // globs relative to the watch root that never trigger
	Node       bool     // give the child a Node IPC channel (the program run is node)

	Output  string   // Go: the binary the build writes (runner.Config.BuildOutput)
	GoWatch *GoWatch // Go: which changes matter, from the build's inputs; nil otherwise
	Debug   string   // with Options.Debug, the line that says where the debugger listens

	Cleanup func() // removes the cached binary; safe to call more than once; never nil
}

// Detect decides what target means (see the package documentation for the rules) and returns
// how to build, run and watch it. args are the child's arguments. Errors are one line that
// names the cause.
func Detect(target string, args []string, opts Options) (*Target, error) {
	workDir, err := workingDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	t, err := detect(target, args, opts, workDir)
	if err != nil {
		return nil, err
	}
	if t.Cleanup == nil {
		t.Cleanup = func() {}
	}
	if opts.Debug != "" && t.Kind != Go {
		if err := debugScript(t, opts.Debug); err != nil {
			t.Cleanup()
			return nil, err
		}
	}
	if t.Kind != Go && opts.Build != "" {
		if t.Build, err = ShellCommand(opts.Build); err != nil {
			return nil, fmt.Errorf("--build: %w", err)
		}
		t.BuildDir = workDir
	}
	return t, nil
}

func detect(target string, args []string, opts Options, workDir string) (*Target, error) {
	if target == "" {
		if opts.Exec == "" {
			return nil, errors.New("nothing to run: name a Go package, a file or a command")
		}
		argv, err := withArgs(opts.Exec, args)
		if err != nil {
			return nil, fmt.Errorf("--exec: %w", err)
		}
		return commandTarget(argv, opts.Exec, workDir)
	}
	path := target
	if !filepath.IsAbs(path) {
		path = filepath.Join(workDir, path)
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return detectGo(path, "", target, args, opts, workDir)
	case err == nil:
		return detectFile(path, fi, target, args, opts, workDir)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: %w", target, errors.Unwrap(err))
	case looksLikePath(target):
		return nil, fmt.Errorf("%s: no such file or folder", target)
	}
	if opts.Exec != "" {
		argv, err := withArgs(opts.Exec, append([]string{target}, args...))
		if err != nil {
			return nil, fmt.Errorf("--exec: %w", err)
		}
		return commandTarget(argv, opts.Exec, workDir)
	}
	if err := findProgram(target, workDir); err != nil {
		return nil, fmt.Errorf("%s: not a Go package, a file, or a command on PATH", target)
	}
	return commandTarget(append([]string{target}, args...), "", workDir)
}

// looksLikePath tells a mistyped path from a command name, for a target that does not exist.
func looksLikePath(target string) bool {
	if strings.ContainsRune(target, '/') || target == "." || target == ".." {
		return true
	}
	_, known := scriptKinds[strings.ToLower(filepath.Ext(target))]
	return known || strings.EqualFold(filepath.Ext(target), ".go")
}

func workingDir(dir string) (string, error) {
	if dir == "" {
		return os.Getwd()
	}
	return filepath.Abs(dir)
}
