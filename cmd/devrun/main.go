// Command devrun builds and runs a program, restarts it when its files change or when it
// crashes, and keeps a JSON-RPC channel to it. See the README for a tour.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

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
	"help": func(_ context.Context, _ []string, s stdio) error {
		printUsage(s.out)
		return nil
	},
	"version": func(_ context.Context, _ []string, s stdio) error {
		fmt.Fprintln(s.out, "devrun", version)
		return nil
	},
}
