package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/devrun-dev/devrun/internal/config"
	term "github.com/devrun-dev/devrun/internal/terminal"
	sess "github.com/devrun-dev/devrun/session"
)

// loadConfig reads --config, or devrun.toml in the current folder if there is one.
func loadConfig(o *options, cwd string) (*config.Config, error) {
	path := o.Config
	if path == "" {
		found, ok := config.Find(cwd)
		if !ok {
			return nil, nil
		}
		path = found
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, inputError{err}
	}
	return cfg, nil
}

// runSpec decides what this devrun runs: the processes of devrun.toml (or what nodemon's or
// air's files say, or TARGET), each with the flags typed laid over it; and the console that
// shows the run.
func runSpec(o *options, s stdio) (sess.Spec, *term.Console, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return sess.Spec{}, nil, err
	}
	cfg, err := loadConfig(o, cwd)
	if err != nil {
		return sess.Spec{}, nil, err
	}
	flags := &o.flags.Settings
	// The file's top level (or what nodemon's or air's files say), then the flags typed.
	top := config.Defaults()
	var inferred *config.Inferred
	switch {
	case cfg != nil:
		top = cfg.Settings.Clone()
	case o.Target == "" && !flags.IsSet("exec"):
		if inferred, err = config.Infer(); errors.Is(err, config.ErrNothingToInfer) {
			return sess.Spec{}, nil, usageError{fmt.Errorf("no TARGET given and nothing to infer here (no devrun.toml, package.json, nodemon.json, .air.toml or Go main package): say what to run, e.g. devrun ./cmd/server or devrun -- node app.js")}
		} else if err != nil {
			return sess.Spec{}, nil, inputError{err}
		}
		top.Override(&inferred.Settings)
		o.Target, o.Args = inferred.Settings.Run, inferred.Settings.Args
	}
	top.Override(flags)
	logs := sess.NewLogs(sess.DefaultLogLines)
	con := term.New(s.out, s.err, logs, top.NoColor, top.Quiet, top.Verbose)

	spec := sess.Spec{Settings: top, Dir: cwd, Logs: logs}
	switch {
	case o.Target != "" || top.IsSet("exec"):
		p := top.Process
		if o.Target != "" {
			p.Run, p.Args = o.Target, o.Args
			if !flags.IsSet("dir") {
				p.Dir = "" // a TARGET typed here is relative to here, not to the file
			}
		}
		spec.Processes = []config.Process{p}
	case cfg != nil && len(cfg.Processes) > 0:
		spec.StdinTo = cfg.Processes[0].Name // typed lines go to the first process of the file
		order, err := config.Order(cfg.Processes)
		if err != nil {
			return sess.Spec{}, nil, inputError{err}
		}
		for _, name := range order {
			for _, p := range cfg.Processes {
				if p.Name == name {
					st := config.Settings{Process: p}
					st.Override(flags)
					spec.Processes = append(spec.Processes, st.Process)
				}
			}
		}
	case cfg != nil:
		return sess.Spec{}, nil, usageError{fmt.Errorf("%s has nothing to run: add run = \"./cmd/app\" or [process.NAME] tables, or give a TARGET", cfg.Path)}
	}
	if len(spec.Processes) > 1 && flags.IsSet("listen") {
		return sess.Spec{}, nil, usageError{fmt.Errorf("--listen with several processes: put listen = [...] in the [process.NAME] table that should hold the socket")}
	}

	if inferred != nil { // said once devrun logs keeps devrun's lines
		con.Printf(sess.LevelInfo, "", "no TARGET: from %s, running as: %s", inferred.From, shellQuote(inferred.Command))
		if len(inferred.Unknown) > 0 {
			con.Printf(sess.LevelWarn, "", "%s: not understood, left out: %s", inferred.From, strings.Join(inferred.Unknown, ", "))
		}
	}
	if len(spec.Processes) == 1 {
		spec.Command = append([]string{spec.Processes[0].Run}, spec.Processes[0].Args...)
	} else {
		spec.Command = []string{"devrun", "--config", cfg.Path}
	}
	return spec, con, nil
}

// shellQuote writes argv as a shell would read it back.
func shellQuote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
