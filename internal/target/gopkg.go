package target

import (
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// detectGo builds the Target for a Go package folder (file == "") or a single .go file.
// display is the target as the user typed it, used in error messages.
func detectGo(pkgDir, file, display string, args []string, opts Options, workDir string) (*Target, error) {
	ctx := goContext(opts.BuildFlags)
	pkg, err := mainPackage(ctx, pkgDir, file, display)
	if err != nil {
		return nil, err
	}
	mod, err := findModule(pkgDir)
	if err != nil {
		return nil, err
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("go not found on PATH: devrun needs the Go toolchain to build %s", display)
	}

	name := filepath.Base(pkgDir)
	if name == string(filepath.Separator) || name == "." {
		name = "main"
	}
	key := pkgDir
	if file != "" {
		key = file
	}
	binDir, cacheIgnore, err := binaryDir(opts.CacheDir, key, mod.Root)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(binDir, name)

	embeds := embedGlobs(mod, pkg)
	t := &Target{
		Kind:     Go,
		Name:     name,
		Dir:      workDir,
		BuildDir: mod.Root,
		Output:   bin,
		Files:    append([]string{"go.mod", "go.sum", "go.work", "go.work.sum"}, embeds...),
		Ignore:   []string{"**/*_test.go", "**/testdata/**"},
		Cleanup:  onceRemover(binDir),
	}
	for ext := range sourceExts {
		t.Exts = append(t.Exts, ext[1:])
	}
	if !opts.NoTemplates {
		for ext := range templateExts {
			t.Exts = append(t.Exts, ext[1:])
		}
	}
	slices.Sort(t.Exts)
	// go.work members and replace folders are compiled like the module itself.
	others, workFile := localModuleRoots(mod.Root)
	t.WatchRoots = append([]string{mod.Root}, others...)
	if workFile != "" && !within(workFile, mod.Root) {
		t.WatchRoots = append(t.WatchRoots, workFile)
		if _, err := os.Stat(workFile + ".sum"); err == nil {
			t.WatchRoots = append(t.WatchRoots, workFile+".sum")
		}
	}
	if cacheIgnore != "" {
		t.Ignore = append(t.Ignore, cacheIgnore)
	}

	pkgArg := relPackageArg(mod.Root, pkgDir, file)
	flags := opts.BuildFlags
	if opts.Debug != "" {
		// What dlv needs to show every variable and step line by line; DWARF stays.
		flags = append([]string{"-gcflags=all=-N -l"}, flags...)
	} else if !hasLdflags(flags) {
		// No DWARF: the link is about a quarter faster. Stack traces, panics and pprof use
		// the symbol and line tables, which stay; only debuggers need DWARF (--debug).
		flags = append([]string{"-ldflags=" + strings.TrimSpace(goflagsLdflags()+" -w")}, flags...)
	}
	t.GoWatch = &GoWatch{goBin: goBin, modRoot: mod.Root, pkgArg: pkgArg, listFlags: listFlagsOf(opts.BuildFlags),
		embeds: embeds, templates: !opts.NoTemplates}
	buildArgs := append([]string{goBin, "build", "-o", bin}, flags...)
	t.Build = append(buildArgs, pkgArg)
	if opts.Build != "" {
		// The user's step (go generate, templ generate...) runs first, where devrun was started,
		// then go build in the module root; "$@" keeps go build's words intact.
		t.Build = append([]string{"sh", "-c", "{ " + opts.Build + "\n} && cd \"$0\" && exec \"$@\"", mod.Root}, t.Build...)
		t.BuildDir = workDir
	}

	run := append([]string{bin}, args...)
	if opts.Debug != "" {
		if opts.Exec != "" {
			t.Cleanup()
			return nil, fmt.Errorf("--debug and --exec together: --debug already wraps the program in dlv")
		}
		if run, err = debugGo(run, opts.Debug); err != nil {
			t.Cleanup()
			return nil, err
		}
		t.Debug = "debugger (dlv) listening on " + run[slices.Index(run, "--listen")+1] + "; attach your editor there, it stays the same across restarts"
	}
	if opts.Exec != "" {
		if run, err = withArgs(opts.Exec, run); err != nil {
			t.Cleanup()
			return nil, fmt.Errorf("--exec: %w", err)
		}
	}
	t.Command = run
	t.Node = isNodeProgram(run[0])
	return t, nil
}

// goContext is build.Default with the -tags of the user's build flags, so that the files devrun
// looks at are the ones go build will compile.
func goContext(buildFlags []string) build.Context {
	ctx := build.Default
	for i, f := range buildFlags {
		var tags string
		switch {
		case strings.HasPrefix(f, "-tags=") || strings.HasPrefix(f, "--tags="):
			tags = f[strings.IndexByte(f, '=')+1:]
		case (f == "-tags" || f == "--tags") && i+1 < len(buildFlags):
			tags = buildFlags[i+1]
		default:
			continue
		}
		ctx.BuildTags = strings.FieldsFunc(tags, func(r rune) bool { return r == ',' || r == ' ' })
	}
	return ctx
}

// mainPackage reads the package in pkgDir (or the one file named) and checks that it is a
// program. It fails only on what go build would certainly refuse; a file with a syntax error is
// left for the compiler to report, since devrun then waits for the fix.
func mainPackage(ctx build.Context, pkgDir, file, display string) (*build.Package, error) {
	if file != "" {
		if strings.HasSuffix(file, "_test.go") {
			return nil, fmt.Errorf("%s: a test file: devrun runs programs (use go test for tests)", display)
		}
		fi, err := os.Stat(file)
		if err != nil {
			return nil, err
		}
		// go run x.go compiles exactly the named file whatever its build constraints say.
		ctx.UseAllFiles = true
		ctx.ReadDir = func(string) ([]fs.FileInfo, error) { return []fs.FileInfo{fi}, nil }
	}
	pkg, err := ctx.ImportDir(pkgDir, 0)
	var multi *build.MultiplePackageError
	switch {
	case errors.As(err, &multi):
		return nil, fmt.Errorf("%s: files of several packages (%s): a Go package folder holds one package", display, strings.Join(multi.Packages, ", "))
	case len(pkg.GoFiles)+len(pkg.CgoFiles) == 0 && len(pkg.TestGoFiles)+len(pkg.XTestGoFiles) > 0:
		return nil, fmt.Errorf("%s: only test files (_test.go): nothing to run; devrun runs a main package", display)
	case len(pkg.GoFiles)+len(pkg.CgoFiles) == 0 && len(pkg.IgnoredGoFiles) > 0:
		return nil, fmt.Errorf("%s: every .go file is excluded by build constraints for %s/%s (%s)", display, ctx.GOOS, ctx.GOARCH, strings.Join(pkg.IgnoredGoFiles, ", "))
	case len(pkg.GoFiles)+len(pkg.CgoFiles) == 0:
		return nil, fmt.Errorf("%s: a folder without Go files: devrun runs a Go package, a file or a command", display)
	case pkg.Name != "" && pkg.Name != "main":
		return nil, fmt.Errorf("%s: package %s is not a main package: devrun runs programs (package main)", display, pkg.Name)
	}
	return pkg, nil
}

// relPackageArg is the package argument for go build run in the module root: "./cmd/web", "."
// or "./cmd/web/main.go". Relative, so that the command line devrun prints stays readable.
func relPackageArg(modRoot, pkgDir, file string) string {
	target := pkgDir
	if file != "" {
		target = file
	}
	rel, err := filepath.Rel(modRoot, target)
	if err != nil {
		return target
	}
	if rel == "." {
		return "."
	}
	return "./" + filepath.ToSlash(rel)
}

// embedGlobs returns watcher globs (relative to the module root) for the //go:embed patterns of
// the main package and of every package of the same module it imports, directly or not: an
// embedded template of an imported package is compiled into the program just the same.
// Packages of other modules are not followed: they are not in the watched tree.
func embedGlobs(mod module, main *build.Package) []string {
	globs := packageEmbedGlobs(mod.Root, main.Dir, main.EmbedPatterns)
	seen := map[string]bool{main.Dir: true}
	queue := main.Imports
	for len(queue) > 0 {
		imp := queue[0]
		queue = queue[1:]
		var dir string
		switch {
		case imp == mod.Path:
			dir = mod.Root
		case strings.HasPrefix(imp, mod.Path+"/"):
			dir = filepath.Join(mod.Root, filepath.FromSlash(imp[len(mod.Path)+1:]))
		default:
			continue
		}
		if seen[dir] {
			continue
		}
		seen[dir] = true
		imports, patterns := scanPackageDir(dir)
		globs = append(globs, packageEmbedGlobs(mod.Root, dir, patterns)...)
		queue = append(queue, imports...)
	}
	return dedupe(globs)
}

// packageEmbedGlobs turns the embed patterns of the package in dir into globs relative to the
// module root. A pattern naming a folder embeds the files under it, which "/**" covers; for a
// pattern naming a file that second glob just matches nothing more.
func packageEmbedGlobs(modRoot, dir string, patterns []string) []string {
	if len(patterns) == 0 {
		return nil
	}
	rel, err := filepath.Rel(modRoot, dir)
	if err != nil {
		return nil
	}
	prefix := ""
	if rel != "." {
		prefix = escapeGlob(filepath.ToSlash(rel)) + "/"
	}
	globs := make([]string, 0, 2*len(patterns))
	for _, p := range patterns {
		// Embed patterns are path.Match patterns, where braces are literal; not so for doublestar.
		g := prefix + strings.NewReplacer("{", `\{`, "}", `\}`).Replace(strings.TrimPrefix(p, "all:"))
		globs = append(globs, g, g+"/**")
	}
	return globs
}

// escapeGlob escapes the doublestar metacharacters of a literal path.
func escapeGlob(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[]{}\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
