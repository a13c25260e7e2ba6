package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// subFlags is a flag set for a client subcommand; -h prints its usage line.
func subFlags(name, usage string, s IO) *pflag.FlagSet {
	fs := pflag.NewFlagSet("devrun "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(s.Out, "Usage: devrun %s %s\n%s", name, usage, fs.FlagUsagesWrapped(80))
	}
	if captureFlags != nil {
		captureFlags(fs)
	}
	return fs
}

// nameFlag is -n NAME, the devrun to talk to, on every client subcommand.
func nameFlag(fs *pflag.FlagSet) *string {
	return fs.StringP("name", "n", "", "the devrun to talk to (default: the only one running)")
}

// parseNamed parses a client subcommand's arguments and returns the devrun they name: by -n
// (flag) or by the one positional NAME.
func parseNamed(fs *pflag.FlagSet, args []string, flag *string) (string, error) {
	if err := parseSub(fs, args); err != nil {
		return "", err
	}
	switch {
	case fs.NArg() > 1 || fs.NArg() == 1 && *flag != "" && fs.Arg(0) != *flag:
		return "", UsageError{fmt.Errorf("%s: want at most one NAME", strings.TrimPrefix(fs.Name(), "devrun "))}
	case fs.NArg() == 1:
		return fs.Arg(0), nil
	}
	return *flag, nil
}

func parseSub(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return ExitCodeError(0) // pflag has printed the usage
		}
		return UsageError{fmt.Errorf("%s: %v", fs.Name(), err)}
	}
	return nil
}
