package target

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// scriptKind is what devrun knows about one script extension.
type scriptKind struct {
	kind   Kind
	interp string   // program that runs it (TypeScript: resolved by findTsx)
	exts   []string // default watched extensions
	ignore []string // default ignores: dependency and cache folders of that ecosystem
}

var (
	nodeExts    = []string{"js", "mjs", "cjs", "json"}
	nodeIgnore  = []string{"**/node_modules/**"}
	tsExts      = []string{"ts", "mts", "cts", "tsx", "js", "mjs", "cjs", "json"}
	pythonKind  = scriptKind{kind: Python, interp: "python3", exts: []string{"py"}, ignore: []string{"**/__pycache__/**", "**/.venv/**"}}
	nodeKind    = scriptKind{kind: Node, interp: "node", exts: nodeExts, ignore: nodeIgnore}
	tsKind      = scriptKind{kind: TypeScript, interp: "tsx", exts: tsExts, ignore: nodeIgnore}
	scriptKinds = map[string]scriptKind{
		".js": nodeKind, ".mjs": nodeKind, ".cjs": nodeKind,
		".ts": tsKind, ".mts": tsKind, ".cts": tsKind, ".tsx": tsKind,
		".py": pythonKind,
	}
)

// detectFile handles an existing file that is not a folder.
func detectFile(path string, fi fs.FileInfo, display string, args []string, opts Options, workDir string) (*Target, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".go" {
		return detectGo(filepath.Dir(path), path, display, args, opts, workDir)
	}
	sk, isScript := scriptKinds[ext]
	executable := fi.Mode()&0o111 != 0
	if !isScript && !executable && opts.Exec == "" {
		return nil, fmt.Errorf("%s: not executable and not a script devrun knows (.go .js .mjs .cjs .py .ts): chmod +x it, or name its interpreter with -x", display)
	}

	var argv []string
	switch {
	case opts.Exec != "":
		var err error
		if argv, err = withArgs(opts.Exec, append([]string{display}, args...)); err != nil {
			return nil, fmt.Errorf("--exec: %w", err)
		}
		if err := findProgram(argv[0], workDir); err != nil {
			return nil, fmt.Errorf("--exec: %s not found on PATH", argv[0])
		}
	case isScript:
		interp := sk.interp
		if sk.kind == TypeScript {
			var ok bool
			if interp, ok = findTsx(filepath.Dir(path), workDir); !ok {
				return nil, fmt.Errorf("%s: TypeScript runs with tsx, which is not installed: npm i -D tsx (or name another runner with -x)", display)
			}
		} else if err := findProgram(interp, workDir); err != nil {
			return nil, fmt.Errorf("%s not found on PATH: devrun needs it to run %s", interp, display)
		}
		argv = append([]string{interp, display}, args...)
	default:
		// An absolute path: the runner looks the program up again at each start, and a bare
		// name would be searched on PATH instead of taken from this folder.
		argv = append([]string{path}, args...)
	}

	t := &Target{
		Kind:       Executable,
		Name:       baseNoExt(path),
		Dir:        workDir,
		Command:    argv,
		WatchRoots: []string{workDir},
	}
	switch {
	case isScript:
		t.Kind, t.Exts, t.Ignore = sk.kind, sk.exts, sk.ignore
		// tsx passes an IPC channel it was given on to the node process it starts.
		t.Node = isNodeProgram(argv[0]) || sk.kind == TypeScript && opts.Exec == ""
	case opts.Exec != "":
		t.Kind = Command
		t.Node = isNodeProgram(argv[0])
		commandDefaults(t)
	default:
		commandDefaults(t)
	}
	return t, nil
}

// commandTarget is a target run as a command: a name found on PATH or the --exec string.
func commandTarget(argv []string, execString string, workDir string) (*Target, error) {
	program := argv[0]
	if execString != "" {
		if err := findProgram(program, workDir); err != nil {
			return nil, fmt.Errorf("--exec: %s not found on PATH", program)
		}
		if program == "sh" { // a shell string: name it after what it runs
			if words := strings.Fields(execString); len(words) > 0 {
				program = words[0]
			}
		}
	}
	t := &Target{
		Kind:       Command,
		Name:       baseNoExt(program),
		Dir:        workDir,
		Command:    argv,
		WatchRoots: []string{workDir},
		Node:       isNodeProgram(argv[0]),
	}
	commandDefaults(t)
	return t, nil
}

// findProgram checks that the runner will find program: on PATH for a bare name, else relative
// to the child's working directory.
func findProgram(program, workDir string) error {
	if !strings.ContainsRune(program, '/') {
		_, err := exec.LookPath(program)
		return err
	}
	if !filepath.IsAbs(program) {
		program = filepath.Join(workDir, program)
	}
	fi, err := os.Stat(program)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", program)
	}
	return nil
}

// findTsx looks for the project's own tsx (node_modules/.bin, walking up from the script and
// then from the working dir), as npx would, and falls back to one on PATH.
func findTsx(dirs ...string) (string, bool) {
	for _, start := range dirs {
		for d := start; ; {
			p := filepath.Join(d, "node_modules", ".bin", "tsx")
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p, true
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	p, err := exec.LookPath("tsx")
	return p, err == nil
}

func isNodeProgram(program string) bool {
	base := filepath.Base(program)
	return base == "node" || base == "nodejs"
}

func baseNoExt(path string) string {
	base := filepath.Base(path)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}
