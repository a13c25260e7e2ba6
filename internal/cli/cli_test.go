package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func testDevrun() *Devrun {
	return &Devrun{
		Version: "test",
		Flags: func() *pflag.FlagSet {
			fs := pflag.NewFlagSet("devrun", pflag.ContinueOnError)
			fs.String("config", "", "")
			return fs
		},
		Usage: func(w io.Writer) { io.WriteString(w, "devrun usage\n") },
	}
}

// run runs `devrun ARGS` through the subcommand table, as main does.
func run(t *testing.T, d *Devrun, args ...string) (stdout string, err error) {
	t.Helper()
	sub, ok := d.Subcommand(args[0])
	if !ok {
		t.Fatalf("no subcommand %q", args[0])
	}
	var out bytes.Buffer
	err = sub(context.Background(), args[1:], IO{In: strings.NewReader(""), Out: &out, Err: io.Discard})
	return out.String(), err
}

func TestNamesLeaveOutTheHiddenOnes(t *testing.T) {
	names := testDevrun().Names()
	if !slices.IsSorted(names) || !slices.Contains(names, "help") || !slices.Contains(names, "send") {
		t.Errorf("Names() = %v", names)
	}
	if slices.Contains(names, "__complete") {
		t.Errorf("Names() = %v, with the hidden __complete", names)
	}
}

func TestHelp(t *testing.T) {
	d := testDevrun()
	if out, err := run(t, d, "help"); err != nil || out != "devrun usage\n" {
		t.Errorf("help: %q, %v", out, err)
	}
	out, err := run(t, d, "help", "ls")
	if !strings.HasPrefix(out, "Usage: devrun ls") || err != ExitCodeError(0) {
		t.Errorf("help ls: %q, %v", out, err)
	}
	var usage UsageError
	if _, err := run(t, d, "help", "sned"); !errors.As(err, &usage) || !strings.Contains(err.Error(), `did you mean "send"?`) {
		t.Errorf("help sned: %v", err)
	}
}
