package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/devrun-dev/devrun/internal/target"
)

// Inferred is what devrun runs in a folder that has no devrun.toml when no TARGET is given:
// what nodemon or air would run there, with their settings read into devrun's.
type Inferred struct {
	Settings Settings // Run and Args, and the settings the other tool's file gave (in Set)
	From     string   // where it came from, for the one line devrun prints: "package.json main"
	// Command is the same run as a devrun command line, to copy.
	Command []string
	// Unknown lists the keys of the other tool's file that devrun did not take.
	Unknown []string
}

// ErrNothingToInfer says that dir has nothing devrun knows how to run.
var ErrNothingToInfer = errors.New("nothing to infer")

// Infer looks in the current folder (relative paths in those files are relative to it, as
// for flags), in this order, for nodemon.json or package.json's nodemonConfig (their
// settings), .air.toml, package.json's main or start script, and a Go main package. Errors
// name the file and key.
func Infer() (*Inferred, error) {
	const dir = "."
	pkg, err := readPackageJSON(dir)
	if err != nil {
		return nil, err
	}
	var inf *Inferred
	switch {
	case fileExists(filepath.Join(dir, "nodemon.json")):
		raw, err := os.ReadFile(filepath.Join(dir, "nodemon.json"))
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("nodemon.json: %v", err)
		}
		if inf, err = fromNodemon("nodemon.json", m, pkg); err != nil {
			return nil, err
		}
	case pkg != nil && pkg.NodemonConfig != nil:
		if inf, err = fromNodemon("package.json nodemonConfig", pkg.NodemonConfig, pkg); err != nil {
			return nil, err
		}
	case fileExists(filepath.Join(dir, ".air.toml")):
		if inf, err = fromAir(filepath.Join(dir, ".air.toml")); err != nil {
			return nil, err
		}
	default:
		inf = &Inferred{}
		var words []string
		if inf.From, words = pkg.script(); inf.From == "" {
			if !goMainPackage(dir) {
				return nil, ErrNothingToInfer
			}
			inf.From, words = "the Go main package in this folder", []string{"."}
		}
		if err := inf.parse(words); err != nil {
			return nil, err
		}
	}
	return inf, nil
}

// parse reads words as devrun's command line would, so that every value goes through the
// schema's parsers.
func (inf *Inferred) parse(words []string) error {
	fl := NewFlags("devrun")
	fl.FlagSet.SetInterspersed(false)
	if err := fl.Parse(words); err != nil {
		return fmt.Errorf("%s: %v", inf.From, err)
	}
	inf.Settings = fl.Settings
	rest := fl.FlagSet.Args()
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	if len(rest) > 0 {
		inf.Settings.Run, inf.Settings.Args = rest[0], rest[1:]
	}
	inf.Command = append([]string{"devrun"}, words...)
	return nil
}

// packageJSON is the part of package.json devrun reads.
type packageJSON struct {
	Main          string            `json:"main"`
	Scripts       map[string]string `json:"scripts"`
	NodemonConfig map[string]any    `json:"nodemonConfig"`
}

func readPackageJSON(dir string) (*packageJSON, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("package.json: %v", err)
	}
	return &p, nil
}

// script is what package.json runs, as nodemon takes it: main, else a start script that runs
// a Node or TypeScript file ("node server.js --port 3000").
func (p *packageJSON) script() (from string, words []string) {
	if p == nil {
		return "", nil
	}
	if p.Main != "" && fileExists(p.Main) {
		return "package.json main", []string{"--", p.Main}
	}
	start, err := target.SplitArgs(p.Scripts["start"])
	if err != nil || len(start) < 2 {
		return "", nil
	}
	switch filepath.Base(start[0]) {
	case "node", "nodemon", "tsx", "ts-node":
	default:
		return "", nil
	}
	for i, w := range start[1:] {
		if !strings.HasPrefix(w, "-") && isScript(w) {
			return "package.json start script", append([]string{"--", w}, start[i+2:]...)
		}
	}
	return "", nil
}

func isScript(path string) bool {
	switch filepath.Ext(path) {
	case ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx":
		return true
	}
	return false
}

// fromNodemon reads nodemon's settings (nodemon.json, or package.json's nodemonConfig).
func fromNodemon(from string, m map[string]any, pkg *packageJSON) (*Inferred, error) {
	inf := &Inferred{From: from}
	var words, script, args []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch k {
		case "watch":
			for _, w := range stringList(v) {
				words = append(words, "--watch", w)
			}
		case "ext":
			words = append(words, "--ext", strings.Join(stringList(v), ","))
		case "ignore":
			for _, w := range stringList(v) {
				words = append(words, "--ignore", w)
			}
		case "exec":
			words = append(words, "--exec", fmt.Sprint(v))
		case "delay":
			// nodemon's config counts in milliseconds; its command line in seconds.
			if n, ok := v.(float64); ok {
				v = strconv.FormatFloat(n, 'f', -1, 64) + "ms"
			}
			words = append(words, "--delay", fmt.Sprint(v))
		case "signal":
			words = append(words, "--signal", fmt.Sprint(v))
		case "env":
			env, _ := v.(map[string]any)
			for _, name := range slices.Sorted(maps.Keys(env)) {
				words = append(words, "--env", name+"="+fmt.Sprint(env[name]))
			}
		case "verbose":
			if v == true {
				words = append(words, "--verbose")
			}
		case "legacyWatch":
			if v == true {
				words = append(words, "--poll")
			}
		case "script":
			script = []string{fmt.Sprint(v)}
		case "args":
			args = stringList(v)
		default:
			inf.Unknown = append(inf.Unknown, k)
		}
	}
	if script == nil {
		if _, fromPkg := pkg.script(); fromPkg != nil {
			script, args = fromPkg[1:2], append(fromPkg[2:], args...)
		}
	}
	if script != nil {
		words = append(append(append(words, "--"), script...), args...)
	} else if !slices.Contains(words, "--exec") {
		return nil, fmt.Errorf("%s: no script, exec, package.json main or start script: nothing to run", from)
	}
	return inf, inf.parse(words)
}

// airConfig is the part of .air.toml devrun reads.
type airConfig struct {
	Root  string `toml:"root"`
	Build struct {
		Cmd           string   `toml:"cmd"`
		Bin           string   `toml:"bin"`
		FullBin       string   `toml:"full_bin"`
		ArgsBin       []string `toml:"args_bin"`
		IncludeExt    []string `toml:"include_ext"`
		IncludeDir    []string `toml:"include_dir"`
		ExcludeDir    []string `toml:"exclude_dir"`
		ExcludeFile   []string `toml:"exclude_file"`
		ExcludeRegex  []string `toml:"exclude_regex"`
		Delay         int      `toml:"delay"`
		KillDelay     any      `toml:"kill_delay"`
		SendInterrupt bool     `toml:"send_interrupt"`
		Poll          bool     `toml:"poll"`
	} `toml:"build"`
}

// fromAir reads .air.toml's main keys. `go build ... PKG` becomes devrun's own Go mode on PKG;
// any other build command runs as --build before bin.
func fromAir(path string) (*Inferred, error) {
	var c airConfig
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return nil, fmt.Errorf(".air.toml: %v", err)
	}
	inf := &Inferred{From: ".air.toml"}
	for _, k := range md.Undecoded() {
		if len(k) == 1 && k[0] != "tmp_dir" && k[0] != "testdata_dir" || len(k) == 2 && k[0] == "build" {
			inf.Unknown = append(inf.Unknown, k.String())
		}
	}
	if len(c.Build.ExcludeRegex) > 0 {
		inf.Unknown = append(inf.Unknown, "build.exclude_regex (devrun takes globs: -i)")
	}
	root := c.Root
	if root == "" {
		root = "."
	}
	var words []string
	for _, d := range c.Build.IncludeDir {
		words = append(words, "--watch", filepath.Join(root, d))
	}
	if len(c.Build.IncludeExt) > 0 {
		words = append(words, "--ext", strings.Join(c.Build.IncludeExt, ","))
	}
	for _, d := range c.Build.ExcludeDir {
		words = append(words, "--ignore", strings.TrimSuffix(d, "/")+"/")
	}
	for _, f := range c.Build.ExcludeFile {
		words = append(words, "--ignore", f)
	}
	if c.Build.Delay > 0 {
		words = append(words, "--delay", strconv.Itoa(c.Build.Delay)+"ms")
	}
	switch d := c.Build.KillDelay.(type) {
	case int64:
		words = append(words, "--grace", strconv.FormatInt(d, 10)+"ms")
	case string:
		words = append(words, "--grace", d)
	}
	if c.Build.SendInterrupt {
		words = append(words, "--signal", "SIGINT")
	}
	if c.Build.Poll {
		words = append(words, "--poll")
	}
	cmd, _ := target.SplitArgs(c.Build.Cmd)
	switch pkg, ok := goBuildPackage(cmd); {
	case ok:
		words = append(words, "--", filepath.Join(root, pkg))
	case c.Build.Cmd == "" && goMainPackage(root):
		words = append(words, "--", root)
	default:
		bin := c.Build.FullBin
		if bin == "" {
			bin = c.Build.Bin
		}
		if bin == "" {
			return nil, fmt.Errorf(".air.toml: build.bin is not set: nothing to run")
		}
		if c.Build.Cmd != "" {
			words = append(words, "--build", c.Build.Cmd)
		}
		words = append(words, "--exec", bin)
	}
	words = append(words, c.Build.ArgsBin...)
	return inf, inf.parse(words)
}

// goBuildPackage is the package a plain `go build [-o out] [PKG]` builds.
func goBuildPackage(cmd []string) (string, bool) {
	if len(cmd) < 2 || filepath.Base(cmd[0]) != "go" || cmd[1] != "build" {
		return "", false
	}
	pkg := "."
	for i := 2; i < len(cmd); i++ {
		switch w := cmd[i]; {
		case w == "-o":
			i++
		case strings.HasPrefix(w, "-"):
			return "", false // other flags: keep air's command as it is
		default:
			pkg = w
		}
	}
	if !strings.HasPrefix(pkg, ".") {
		pkg = "./" + pkg
	}
	return pkg, true
}

// goMainPackage reports whether dir holds a Go main package.
func goMainPackage(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		if file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly); err == nil && file.Name.Name == "main" {
			return true
		}
	}
	return false
}

func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, item := range v {
			out = append(out, fmt.Sprint(item))
		}
		return out
	}
	return nil
}
