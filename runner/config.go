package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// Config describes one supervised command. Zero values choose the documented defaults.
type Config struct {
	Name    string   // process name (DEVRUN_PROCESS); "" -> base name of Command[0]
	Command []string // argv; Command[0] is looked up (PATH, or relative to Dir) at each start
	Dir     string   // working directory of the child and the build ("" = current)
	Env     []string // extra KEY=VALUE on top of os.Environ() (later entries win)
	Build   []string // optional build argv, run in BuildDir before each Restart's start; nil = none
	// BuildDir is where Build runs ("" = Dir): Go builds run in the module root while the
	// program runs where devrun was started, as with go run.
	BuildDir string
	// BuildOutput is the program Build writes (Go mode). After a build started by Changed,
	// a program identical to the running one but for its build ID is not restarted.
	BuildOutput string
	Signal      syscall.Signal
	Grace       time.Duration // after Signal, wait this long (default 5s) then SIGKILL the group
	Restart     Policy
	Node        bool // also NODE_CHANNEL_FD and NODE_CHANNEL_SERIALIZATION_MODE=json

	// Listeners are held listen sockets passed to every generation as fds 3.. in the systemd
	// form (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID). The runner does not close them.
	Listeners     []*os.File
	ListenerNames []string // LISTEN_FDNAMES, same length as Listeners (or empty)

	// Overlap starts the new generation while the old one runs, and stops the old one only
	// when the new one is ready (devrun.ready, "ready", or READY=1 on NOTIFY_SOCKET: each
	// generation then gets a NOTIFY_SOCKET of its own).
	Overlap      bool
	ReadyTimeout time.Duration // default 10s; then the new generation is stopped, the old one kept

	Instance int // DEVRUN_INSTANCE (scale)

	Stdin          io.Reader // nil = /dev/null; otherwise copied to whichever child is current
	Stdout, Stderr io.Writer // child output (the build's goes to Stderr); nil = discarded
	OnEvent        func(Event)
	// Handlers are extra methods served to the child (devrun.call, ...). A name that is also
	// built in (devrun.restart, devrun.ready, devrun.status) replaces the built-in one.
	Handlers map[string]childrpc.HandlerFunc
}

const (
	// DefaultGrace and DefaultReadyTimeout are what zero values of Config mean.
	DefaultGrace        = 5 * time.Second
	DefaultReadyTimeout = 10 * time.Second
)

// Environment names of the child protocol, declared in childrpc.
const (
	envProcess      = childrpc.EnvProcess
	envProtocol     = childrpc.EnvProtocol
	envRPCFD        = childrpc.EnvRPCFD
	envInstance     = childrpc.EnvInstance
	envNodeFD       = childrpc.EnvNodeFD
	envNodeMode     = childrpc.EnvNodeMode
	envListenFDs    = childrpc.EnvListenFDs
	envListenNames  = childrpc.EnvListenFDNames
	envListenPID    = childrpc.EnvListenPID
	envNotifySocket = childrpc.EnvNotifySocket
)

// inheritedProtocolVars are removed from the environment devrun itself got: when devrun runs
// under devrun or systemd, its own channel and sockets are not its child's.
var inheritedProtocolVars = []string{
	envProcess, envProtocol, envRPCFD, envInstance, envNodeFD, envNodeMode,
	envListenFDs, envListenNames, envListenPID, envNotifySocket, envShim, envGuardian,
}

// New checks cfg and returns a Runner ready to Run. It starts nothing.
func New(cfg Config) (*Runner, error) {
	if len(cfg.Command) == 0 || cfg.Command[0] == "" {
		return nil, errors.New("runner: empty command")
	}
	if cfg.Build != nil && (len(cfg.Build) == 0 || cfg.Build[0] == "") {
		return nil, errors.New("runner: empty build command")
	}
	if cfg.Grace < 0 || cfg.ReadyTimeout < 0 {
		return nil, errors.New("runner: negative grace period or ready timeout")
	}
	if len(cfg.ListenerNames) != 0 && len(cfg.ListenerNames) != len(cfg.Listeners) {
		return nil, fmt.Errorf("runner: %d listener names for %d listeners", len(cfg.ListenerNames), len(cfg.Listeners))
	}
	for i, f := range cfg.Listeners {
		if f == nil {
			return nil, fmt.Errorf("runner: listener %d is nil", i)
		}
	}
	for _, n := range cfg.ListenerNames {
		if n == "" || strings.ContainsAny(n, ":\n") {
			return nil, fmt.Errorf("runner: bad listener name %q (empty, or contains ':')", n)
		}
	}
	for _, kv := range cfg.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, fmt.Errorf("runner: bad environment entry %q (want KEY=VALUE)", kv)
		}
	}
	if cfg.Signal == 0 {
		cfg.Signal = syscall.SIGTERM
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.Name == "" {
		cfg.Name = filepath.Base(cfg.Command[0])
	}
	// The caller may reuse its slices; the runner reads them for its whole life.
	cfg.Command = append([]string(nil), cfg.Command...)
	cfg.Build = append([]string(nil), cfg.Build...)
	if len(cfg.Build) == 0 {
		cfg.Build = nil
	}
	cfg.Listeners = append([]*os.File(nil), cfg.Listeners...)
	cfg.ListenerNames = append([]string(nil), cfg.ListenerNames...)

	r := &Runner{cfg: cfg}
	r.baseEnv = mergeEnv(withoutVars(os.Environ(), inheritedProtocolVars), cfg.Env)
	r.childEnv = r.protocolEnv()
	r.policy = newRestartPolicy(cfg.Restart, time.Now)
	r.status = Status{Process: cfg.Name, State: StateStopped, Listen: cfg.ListenerNames}
	r.inbox.wake = make(chan struct{}, 1)
	return r, nil
}

// protocolEnv is the child's environment but for what changes per generation.
func (r *Runner) protocolEnv() []string {
	cfg := &r.cfg
	rpcFD := fmt.Sprint(3 + len(cfg.Listeners))
	extra := []string{
		envProcess + "=" + cfg.Name,
		envInstance + "=" + fmt.Sprint(cfg.Instance),
	}
	if cfg.Node {
		// Node takes its channel from these and removes them from its environment; the
		// DEVRUN_ ones would stay, and its own subprocesses would take fd N for a channel.
		extra = append(extra, envNodeFD+"="+rpcFD, envNodeMode+"=json")
	} else {
		extra = append(extra, envProtocol+"="+strconv.Itoa(childrpc.Protocol), envRPCFD+"="+rpcFD)
	}
	if len(cfg.Listeners) > 0 {
		extra = append(extra, envListenFDs+"="+fmt.Sprint(len(cfg.Listeners)))
		if len(cfg.ListenerNames) > 0 {
			extra = append(extra, envListenNames+"="+strings.Join(cfg.ListenerNames, ":"))
		}
	}
	return mergeEnv(r.baseEnv, extra)
}

// mergeEnv returns base with the entries of over added; a key present in both takes over's
// value. Duplicates must go: C's getenv and Go's os.Getenv both take the first one.
func mergeEnv(base []string, over []string) []string {
	out := make([]string, 0, len(base)+len(over))
	index := make(map[string]int, len(base)+len(over))
	for _, list := range [][]string{base, over} {
		for _, kv := range list {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := index[k]; ok {
				out[i] = kv
				continue
			}
			index[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

func withoutVars(env []string, names []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			if k == n {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, _ := strings.Cut(env[i], "="); k == key {
			return v
		}
	}
	return ""
}

// resolveProgram finds what Command[0] (or Build[0]) names: a path (relative to dir, as the
// child will see it) or a name looked up in the child's PATH. It runs at every start, so a
// binary that appears or disappears between restarts is seen.
func resolveProgram(name, dir string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		if err := checkExecutable(p); err != nil {
			return "", err
		}
		return p, nil
	}
	for _, d := range filepath.SplitList(envValue(env, "PATH")) {
		if d == "" || !filepath.IsAbs(d) {
			continue // a relative PATH entry would resolve against whatever the cwd is
		}
		p := filepath.Join(d, name)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in PATH", name)
}

func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s: is a directory", p)
	}
	if fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s: permission denied (not executable)", p)
	}
	return nil
}

// errNoChild is Call's answer when no child runs (-32001, childrpc.CodeNoChild).
func errNoChild(msg string) error {
	return &childrpc.Error{Code: childrpc.CodeNoChild, Message: msg}
}
