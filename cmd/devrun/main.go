// Command devrun builds and runs a program, restarts it when its files change or when it
// crashes, and keeps a JSON-RPC channel to it. See the README for a tour.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/devrun-dev/devrun/internal/config"

	"github.com/devrun-dev/devrun/runner"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	// devrun re-executes itself as the exec shim and the guardian; those never return here.
	runner.RunShimIfRequested()
	err := Run(context.Background(), os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	os.Exit(exitStatus(err, os.Stderr))
}

// stdio is the terminal devrun talks to; tests pass pipes.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// exitCodeError ends devrun with a status and nothing more to say (the reason was printed).
type exitCodeError int

func (e exitCodeError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func exitStatus(err error, stderr io.Writer) int {
	var code exitCodeError
	var usage usageError
	var input inputError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "devrun: %v\n", err)
		fmt.Fprintln(stderr, "Run 'devrun -h' for help.")
		return 2
	case errors.As(err, &input):
		fmt.Fprintf(stderr, "devrun: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "devrun: %v\n", err)
		return 1
	}
}

// Run is devrun with its arguments (without the program name). Only main exits.
func Run(ctx context.Context, args []string, s stdio) error {
	if len(args) > 0 {
		if sub, ok := subcommands[args[0]]; ok {
			return sub(ctx, args[1:], s)
		}
	}
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	if hint := mistypedSubcommand(o.Target); hint != "" {
		return usageError{fmt.Errorf("%s is not a file, a command on PATH or a subcommand (did you mean devrun %s?)", o.Target, hint)}
	}
	switch {
	case o.Help:
		printUsage(s.out)
		return nil
	case o.Version:
		fmt.Fprintln(s.out, "devrun", version)
		return nil
	}
	return supervise(ctx, o, s)
}

// subcommands take the first word; `devrun -- ls` runs a program named ls instead.
var subcommands = map[string]func(ctx context.Context, args []string, s stdio) error{
	"version": func(_ context.Context, _ []string, s stdio) error {
		fmt.Fprintln(s.out, "devrun", version)
		return nil
	},
}

func init() { subcommands["help"] = cmdHelp }

// cmdHelp is devrun's usage, or with a word, that subcommand's.
func cmdHelp(ctx context.Context, args []string, s stdio) error {
	if len(args) > 0 {
		if sub, ok := subcommands[args[0]]; ok && args[0] != "help" {
			return sub(ctx, []string{"-h"}, s)
		}
		return usageError{fmt.Errorf("help: no subcommand %q%s", args[0], suggestSubcommand(args[0]))}
	}
	printUsage(s.out)
	return nil
}

// mistypedSubcommand is the subcommand a TARGET that exists nowhere was probably meant to be
// (devrun sned stats), or "".
func mistypedSubcommand(target string) string {
	if target == "" || strings.ContainsAny(target, "/.") {
		return ""
	}
	if _, err := os.Stat(target); err == nil {
		return ""
	}
	if _, err := exec.LookPath(target); err == nil {
		return ""
	}
	if c, ok := config.Closest(target, subcommandNames()); ok {
		return c
	}
	return ""
}

func suggestSubcommand(word string) string {
	if c, ok := config.Closest(word, subcommandNames()); ok {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// subcommandNames are the subcommands a user types (not the hidden __complete).
func subcommandNames() []string {
	var names []string
	for name := range subcommands {
		if !strings.HasPrefix(name, "_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}
