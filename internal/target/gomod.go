package target

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// module is the Go module that holds the target package.
type module struct {
	Root string // folder of go.mod
	Path string // module path from its module directive
}

// findModule walks up from dir to the nearest go.mod, as the go command does.
func findModule(dir string) (module, error) {
	for d := dir; ; {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			path := modulePath(data)
			if path == "" {
				return module{}, fmt.Errorf("%s has no module directive", filepath.Join(d, "go.mod"))
			}
			return module{Root: d, Path: path}, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return module{}, fmt.Errorf("no go.mod found above %s: devrun builds Go packages inside a module (go mod init ...)", dir)
		}
		d = parent
	}
}

// modulePath returns the path of the first `module` directive, unquoting it if needed.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "module" {
			continue
		}
		if p, err := strconv.Unquote(fields[1]); err == nil {
			return p
		}
		return fields[1]
	}
	return ""
}
