package target

import (
	"fmt"
	"go/build"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Default addresses of each debugger: the ones editors' launch configurations expect.
const (
	dlvAddr     = "127.0.0.1:2345"
	inspectAddr = "127.0.0.1:9229"
	debugpyAddr = "127.0.0.1:5678"
)

// debugAddr turns --debug's value into host:port: "on" is the debugger's default, a bare port
// listens on the loopback interface only, since a debugger runs any code it is asked to.
func debugAddr(v, def string) (string, error) {
	switch {
	case v == "on" || v == "true":
		return def, nil
	case !strings.Contains(v, ":"):
		v = "127.0.0.1:" + v
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return "", fmt.Errorf("--debug %q: want a port or host:port", v)
	}
	return v, nil
}

// debugGo wraps the built program in dlv: headless so an editor attaches, --continue so the
// program runs without waiting for one, --accept-multiclient so a client may come and go and
// dlv lives as long as the program. Each restart gets a new dlv on the same address.
func debugGo(run []string, v string) ([]string, error) {
	addr, err := debugAddr(v, dlvAddr)
	if err != nil {
		return nil, err
	}
	dlv, err := findDlv()
	if err != nil {
		return nil, err
	}
	argv := []string{dlv, "exec", "--headless", "--continue", "--accept-multiclient", "--api-version=2", "--listen", addr, run[0]}
	if len(run) > 1 {
		argv = append(append(argv, "--"), run[1:]...)
	}
	return argv, nil
}

// findDlv looks on PATH, then where go install puts it, since that folder is often not on PATH.
func findDlv() (string, error) {
	if p, err := exec.LookPath("dlv"); err == nil {
		return p, nil
	}
	dirs := []string{os.Getenv("GOBIN")}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH // $HOME/go
	}
	for _, gp := range filepath.SplitList(gopath) {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if p := filepath.Join(d, "dlv"); checkExec(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("--debug needs dlv, which is not installed: go install github.com/go-delve/delve/cmd/dlv@latest")
}

func checkExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// debugScript adds the interpreter's debugger options to a Node or Python command.
func debugScript(t *Target, v string) error {
	prog := filepath.Base(t.Command[0])
	switch {
	case t.Kind == Node || t.Kind == TypeScript || prog == "node":
		addr, err := debugAddr(v, inspectAddr)
		if err != nil {
			return err
		}
		t.Command = append([]string{t.Command[0], "--inspect=" + addr}, t.Command[1:]...)
		t.Debug = "inspector listening on " + addr + "; attach your editor or chrome://inspect there, it stays the same across restarts"
	case t.Kind == Python || strings.HasPrefix(prog, "python"):
		addr, err := debugAddr(v, debugpyAddr)
		if err != nil {
			return err
		}
		if err := exec.Command(t.Command[0], "-c", "import debugpy").Run(); err != nil {
			return fmt.Errorf("--debug needs debugpy, which %s cannot import: %s -m pip install debugpy", prog, prog)
		}
		t.Command = append([]string{t.Command[0], "-m", "debugpy", "--listen", addr}, t.Command[1:]...)
		t.Debug = "debugpy listening on " + addr + "; attach your editor there, it stays the same across restarts"
	default:
		return fmt.Errorf("--debug works with Go, Node and Python programs, not with %s", prog)
	}
	return nil
}

// hasLdflags: the user chose the linker's flags, DWARF included or not.
func hasLdflags(flags []string) bool {
	for _, f := range flags {
		if f == "-ldflags" || f == "--ldflags" || strings.HasPrefix(f, "-ldflags=") || strings.HasPrefix(f, "--ldflags=") {
			return true
		}
	}
	return false
}

// goflagsLdflags is the -ldflags value of $GOFLAGS: a -ldflags on the command line replaces
// it, so devrun's -w must carry it along.
func goflagsLdflags() string {
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		for _, p := range []string{"-ldflags=", "--ldflags="} {
			if v, ok := strings.CutPrefix(f, p); ok {
				return v
			}
		}
	}
	return ""
}
