package target

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// Extensions of the files go build compiles besides .go: cgo's C, C++, Objective-C, Fortran,
// assembly and SWIG sources, their headers, and .syso objects linked as they are.
var sourceExts = map[string]bool{
	".go": true, ".c": true, ".h": true, ".cc": true, ".cpp": true, ".cxx": true, ".hh": true, ".hpp": true,
	".hxx": true, ".m": true, ".s": true, ".S": true, ".sx": true, ".syso": true, ".f": true, ".F": true,
	".for": true, ".f90": true, ".swig": true, ".swigcxx": true,
}

// templateExts are the files a Go web program usually parses at start (html/template), which
// no build lists: they count in the folders of the main module's packages unless NoTemplates.
var templateExts = map[string]bool{".html": true, ".tmpl": true, ".tpl": true, ".gohtml": true}

// moduleFiles change what every package of a module compiles against.
var moduleFiles = map[string]bool{"go.mod": true, "go.sum": true, "go.work": true, "go.work.sum": true}

// GoWatch decides which changed files matter to a Go target: the inputs of its last build, as
// `go list -deps` reports them, of every package on local disk (the main module, go.work
// members, replace folders, vendor/). Until Refresh has succeeded once after a good build, it
// counts the source, template and module files of the whole main module, nested modules aside.
// Its methods are safe for concurrent use.
type GoWatch struct {
	goBin     string
	modRoot   string
	pkgArg    string
	listFlags []string
	embeds    []string // the main module's embed globs from detection, for the fallback
	templates bool

	refreshMu sync.Mutex // one go list at a time
	mu        sync.Mutex
	set       *goSet // nil: the fallback
}

// goSet is one go list's answer.
type goSet struct {
	files    map[string]bool   // every input file, module files included
	pkgDirs  map[string]string // a new source file in one of these counts too; the folder of its module
	tmplDirs []string          // folders of the main module's packages
	embeds   []embedRule
	packages int
}

type embedRule struct {
	dir      string
	patterns []string
}

// listPackage is what devrun reads of `go list -json`.
type listPackage struct {
	Dir      string
	Standard bool
	Module   *struct {
		Path, Dir, GoMod string
		Main             bool
		Replace          *struct{ Dir, Version string }
	}
	GoFiles, CgoFiles, IgnoredGoFiles, CFiles, CXXFiles, HFiles, FFiles, MFiles, SFiles []string
	SwigFiles, SwigCXXFiles, SysoFiles, EmbedFiles, EmbedPatterns                       []string
}

const listFields = "Dir,Standard,Module,GoFiles,CgoFiles,IgnoredGoFiles,CFiles,CXXFiles,HFiles,FFiles,MFiles,SFiles,SwigFiles,SwigCXXFiles,SysoFiles,EmbedFiles,EmbedPatterns"

// WatchStats describes the set after a Refresh, for a -v line.
type WatchStats struct {
	Packages int           // local packages whose files are watched
	Files    int           // files watched
	Took     time.Duration // go list's time
	Outside  []string      // folders of local modules of the build outside the watched roots
}

// Refresh asks the go command for the build's inputs, with the build's flags and environment
// (env: KEY=VALUE on top of os.Environ()). It is meant to run after each build, off the path
// from save to serving: it costs one go list. built says the build succeeded: until one has,
// the whole-module fallback stays.
func (w *GoWatch) Refresh(ctx context.Context, env []string, built bool, roots []string) (WatchStats, error) {
	w.refreshMu.Lock()
	defer w.refreshMu.Unlock()
	if !built && w.current() == nil {
		return WatchStats{}, nil
	}
	start := time.Now()
	args := append([]string{"list", "-e", "-deps", "-json=" + listFields}, w.listFlags...)
	cmd := exec.CommandContext(ctx, w.goBin, append(args, w.pkgArg)...)
	cmd.Dir = w.modRoot
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return WatchStats{}, fmt.Errorf("go list: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	set, err := parseList(out, w.modRoot, w.templates, envValue(cmd.Env, "GOWORK"))
	if err != nil {
		return WatchStats{}, err
	}
	w.mu.Lock()
	w.set = set
	w.mu.Unlock()
	st := WatchStats{Packages: set.packages, Files: len(set.files), Took: time.Since(start)}
	for d, mod := range set.pkgDirs {
		if !withinAny(d, roots) && !slices.Contains(st.Outside, mod) {
			st.Outside = append(st.Outside, mod)
		}
	}
	slices.Sort(st.Outside)
	return st, nil
}

func (w *GoWatch) current() *goSet {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.set
}

func parseList(out []byte, modRoot string, templates bool, gowork string) (*goSet, error) {
	set := &goSet{files: map[string]bool{}, pkgDirs: map[string]string{}}
	mods := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %v", err)
		}
		if p.Standard || p.Dir == "" || !localPackage(&p, modRoot) {
			continue
		}
		set.packages++
		set.pkgDirs[p.Dir] = p.Dir
		if p.Module != nil && p.Module.Dir != "" {
			set.pkgDirs[p.Dir] = p.Module.Dir
		}
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.IgnoredGoFiles, p.CFiles, p.CXXFiles, p.HFiles,
			p.FFiles, p.MFiles, p.SFiles, p.SwigFiles, p.SwigCXXFiles, p.SysoFiles, p.EmbedFiles} {
			for _, f := range list {
				set.files[filepath.Join(p.Dir, f)] = true
			}
		}
		if len(p.EmbedPatterns) > 0 {
			set.embeds = append(set.embeds, embedRule{p.Dir, p.EmbedPatterns})
		}
		if p.Module != nil {
			if p.Module.GoMod != "" && !mods[p.Module.GoMod] {
				mods[p.Module.GoMod] = true
				set.files[p.Module.GoMod] = true
				set.files[filepath.Join(filepath.Dir(p.Module.GoMod), "go.sum")] = true
			}
			if templates && p.Module.Main {
				set.tmplDirs = append(set.tmplDirs, p.Dir)
			}
		}
	}
	if gowork == "" {
		gowork = findWorkFile(modRoot)
	}
	if gowork != "" && gowork != "off" {
		set.files[gowork] = true
		set.files[gowork+".sum"] = true
	}
	return set, nil
}

// localPackage: on local disk, so its files can change under the user's hands. Packages in the
// module cache (read-only, changed only through go.mod) are not.
func localPackage(p *listPackage, modRoot string) bool {
	if within(p.Dir, modRoot) { // the main module, its vendor/ included
		return true
	}
	m := p.Module
	return m != nil && (m.Main || m.Replace != nil && m.Replace.Version == "" && m.Replace.Dir != "")
}

// Change is what a changed file is to a Go target.
type Change int

const (
	NotPart  Change = iota // not compiled into the program nor read by it: no restart
	Input                  // an input of the build: rebuild, and restart if the binary changed
	Template               // a file the program reads at start: restart whatever the binary
)

// Classify says what a change of path (absolute; a file, or a folder that went away) is.
func (w *GoWatch) Classify(path string) Change {
	set := w.current()
	if set == nil {
		return w.fallback(path)
	}
	if set.files[path] {
		return Input
	}
	ext := filepath.Ext(path)
	dir := filepath.Dir(path)
	if set.pkgDirs[dir] != "" && sourceExts[ext] && !strings.HasSuffix(path, "_test.go") {
		return Input // a new file of a package
	}
	if set.pkgDirs[path] != "" {
		return Input // a package's folder went away
	}
	for _, e := range set.embeds {
		if rel, ok := relWithin(path, e.dir); ok && embedMatch(e.patterns, rel) {
			return Input
		}
	}
	if templateExts[ext] {
		for _, d := range set.tmplDirs {
			if _, ok := relWithin(path, d); ok && !inNestedModule(dir, d) {
				return Template
			}
		}
	}
	return NotPart
}

func (w *GoWatch) fallback(path string) Change {
	rel, ok := relWithin(path, w.modRoot)
	if !ok {
		if moduleFiles[filepath.Base(path)] || sourceExts[filepath.Ext(path)] {
			return Input // go.work, a member or replace folder
		}
		return NotPart
	}
	if inNestedModule(filepath.Dir(path), w.modRoot) {
		return NotPart
	}
	ext := filepath.Ext(path)
	if sourceExts[ext] || moduleFiles[filepath.Base(path)] {
		return Input
	}
	for _, g := range w.embeds {
		if ok, _ := doublestar.Match(g, filepath.ToSlash(rel)); ok {
			return Input
		}
	}
	if w.templates && templateExts[ext] {
		return Template
	}
	return NotPart
}

func embedMatch(patterns []string, rel string) bool {
	rel = filepath.ToSlash(rel)
	for _, p := range patterns {
		p = strings.TrimPrefix(p, "all:")
		for _, g := range []string{p, p + "/**"} {
			if ok, _ := doublestar.Match(strings.NewReplacer("{", `\{`, "}", `\}`).Replace(g), rel); ok {
				return true
			}
		}
	}
	return false
}

// inNestedModule: a go.mod sits in dir or between dir and root (exclusive), so dir belongs to
// another module, which the program does not compile unless it imports it.
func inNestedModule(dir, root string) bool {
	for d := dir; d != root && within(d, root); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return true
		}
	}
	return false
}

func relWithin(path, dir string) (string, bool) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

func withinAny(path string, roots []string) bool {
	for _, r := range roots {
		if r == path {
			return true
		}
		if _, ok := relWithin(path, r); ok {
			return true
		}
	}
	return false
}

// listFlagsOf keeps the build flags that go list takes too: they decide which files and
// packages the build has (-tags, -mod, -race, ...).
func listFlagsOf(buildFlags []string) []string {
	var out []string
	for i := 0; i < len(buildFlags); i++ {
		f := buildFlags[i]
		name, _, _ := strings.Cut(strings.TrimPrefix(f, "-"), "=")
		name = strings.TrimPrefix(name, "-")
		switch name {
		case "o":
			if !strings.Contains(f, "=") {
				i++
			}
			continue
		case "v", "x", "n", "a", "work", "json":
			continue
		}
		out = append(out, f)
	}
	return out
}

// localModuleRoots reads go.work (found as the go command finds it) and the replace
// directives of go.mod and go.work, and returns the local folders the build may compile from
// besides the main module, and the go.work file ("" when none). Reading the files rather than
// asking the go command keeps detection fast; Refresh reports a folder this missed.
func localModuleRoots(modRoot string) (dirs []string, workFile string) {
	workFile = os.Getenv("GOWORK")
	switch {
	case workFile == "off":
		workFile = ""
	case workFile == "":
		workFile = findWorkFile(modRoot)
	}
	add := func(base, p string) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		if fi, err := os.Stat(p); err == nil && fi.IsDir() && !withinAny(p, append([]string{modRoot}, dirs...)) {
			dirs = append(dirs, p)
		}
	}
	if workFile != "" {
		base := filepath.Dir(workFile)
		uses, replaces := modDirectives(workFile)
		for _, u := range uses {
			add(base, u)
		}
		for _, r := range replaces {
			add(base, r)
		}
	}
	_, replaces := modDirectives(filepath.Join(modRoot, "go.mod"))
	for _, r := range replaces {
		add(modRoot, r)
	}
	return dirs, workFile
}

// findWorkFile walks up from dir to a go.work, as the go command does.
func findWorkFile(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "go.work")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// modDirectives returns the use paths and the local replacement folders of a go.mod or
// go.work file, in both the one-line and the block forms.
func modDirectives(file string) (uses, replaces []string) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil
	}
	block := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		verb := block
		switch {
		case fields[0] == ")":
			block = ""
			continue
		case block == "" && len(fields) == 2 && fields[1] == "(":
			block = fields[0]
			continue
		case block == "":
			verb, fields = fields[0], fields[1:]
		}
		switch verb {
		case "use":
			if len(fields) == 1 {
				uses = append(uses, unquote(fields[0]))
			}
		case "replace":
			for i, f := range fields {
				if f == "=>" && len(fields) == i+2 && isLocalPath(unquote(fields[i+1])) {
					replaces = append(replaces, unquote(fields[i+1]))
				}
			}
		}
	}
	return uses, replaces
}

func isLocalPath(p string) bool {
	return filepath.IsAbs(p) || p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}
