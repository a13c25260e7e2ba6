package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestCompleteFlags(t *testing.T) {
	d := testDevrun()
	out, _ := run(t, d, "__complete", "flags", "logs")
	for _, want := range []string{"--follow", "-f", "--name", "-n"} {
		if !slices.Contains(strings.Fields(out), want) {
			t.Errorf("flags of logs: %q, without %s", out, want)
		}
	}
	if out, _ := run(t, d, "__complete", "flags"); out != "--config\n" {
		t.Errorf("devrun's own flags: %q", out)
	}
}
