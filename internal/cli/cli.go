package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/devrun-dev/devrun/internal/config"
	"github.com/spf13/pflag"
)

// IO is the terminal a subcommand talks to; tests pass pipes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Command runs one subcommand with the arguments after its name.
type Command func(ctx context.Context, args []string, s IO) error

// Devrun is what the subcommands need to know of the devrun command they are part of.
type Devrun struct {
	Version string
	// Flags makes a fresh set of devrun's own flags (devrun [flags] TARGET), for completion.
	Flags func() *pflag.FlagSet
	// Usage writes devrun's usage, for devrun help.
	Usage func(io.Writer)
	// StartEnv is added to the environment of a devrun that the MCP start tool launches (tests
	// make it the test binary playing devrun).
	StartEnv []string
}

// commands are the subcommands by name; a name starting with _ is for scripts, not users.
func (d *Devrun) commands() map[string]Command {
	return map[string]Command{
		"ls":         cmdLs,
		"send":       cmdSend,
		"restart":    cmdRestart,
		"stop":       cmdStop,
		"logs":       cmdLogs,
		"events":     cmdEvents,
		"wait":       cmdWait,
		"mcp":        d.cmdMCP,
		"completion": cmdCompletion,
		"__complete": d.cmdComplete,
		"help":       d.cmdHelp,
		"version":    d.cmdVersion,
	}
}

// Subcommand is the subcommand called name. They take the first word of the command line;
// `devrun -- ls` runs a program named ls instead.
func (d *Devrun) Subcommand(name string) (Command, bool) {
	c, ok := d.commands()[name]
	return c, ok
}

// Names are the subcommands a user types (not the hidden __complete), sorted.
func (d *Devrun) Names() []string {
	var names []string
	for name := range d.commands() {
		if !strings.HasPrefix(name, "_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func (d *Devrun) cmdVersion(_ context.Context, _ []string, s IO) error {
	fmt.Fprintln(s.Out, "devrun", d.Version)
	return nil
}

// cmdHelp is devrun's usage, or with a word, that subcommand's.
func (d *Devrun) cmdHelp(ctx context.Context, args []string, s IO) error {
	if len(args) > 0 {
		if sub, ok := d.Subcommand(args[0]); ok && args[0] != "help" {
			return sub(ctx, []string{"-h"}, s)
		}
		return UsageError{fmt.Errorf("help: no subcommand %q%s", args[0], d.suggestSubcommand(args[0]))}
	}
	d.Usage(s.Out)
	return nil
}

func (d *Devrun) suggestSubcommand(word string) string {
	if c, ok := config.Closest(word, d.Names()); ok {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}
