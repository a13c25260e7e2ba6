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
	"strings"

	"github.com/devrun-dev/devrun/internal/cli"
	"github.com/devrun-dev/devrun/internal/config"
	"github.com/devrun-dev/devrun/runner"
	"github.com/spf13/pflag"
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

// cli is the terminal as a subcommand takes it.
func (s stdio) cli() cli.IO { return cli.IO{In: s.in, Out: s.out, Err: s.err} }

// subcommands are ls, send, mcp and the others: devrun's client side, in package cli.
var subcommands = &cli.Devrun{Version: version, Flags: devrunFlags, Usage: printUsage}

func devrunFlags() *pflag.FlagSet { return newOptions().flags.FlagSet }

// exitCodeError is the subcommands' own, so that exitStatus reads a status from either side alike.
type exitCodeError = cli.ExitCodeError

func exitStatus(err error, stderr io.Writer) int {
	var code exitCodeError
	var usage usageError
	var clientUsage cli.UsageError
	var input inputError
	var clientInput cli.InputError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usage), errors.As(err, &clientUsage):
		fmt.Fprintf(stderr, "devrun: %v\n", err)
		fmt.Fprintln(stderr, "Run 'devrun -h' for help.")
		return 2
	case errors.As(err, &input), errors.As(err, &clientInput):
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
		if sub, ok := subcommands.Subcommand(args[0]); ok {
			return sub(ctx, args[1:], s.cli())
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
	if c, ok := config.Closest(target, subcommands.Names()); ok {
		return c
	}
	return ""
}
