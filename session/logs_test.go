package session

import (
	"strings"
	"testing"
)

// The ring is bounded in bytes: a huge line is kept cut, and says so.
func TestLogRingCutsHugeLines(t *testing.T) {
	r := NewLogs(3)
	r.Add("stdout", strings.Repeat("é", 1<<20))
	got := r.Last(1)[0].Text
	if len(got) > maxLogText+64 || !strings.HasSuffix(got, "… [cut: 2095104 more bytes]") || !strings.HasPrefix(got, "éé") {
		t.Fatalf("kept %d bytes, ending %q", len(got), got[max(0, len(got)-40):])
	}
}
