package session

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDescribeBatchNamesFilesThatExist: sed -i writes sedXXXXXX and renames it over the file;
// the headline names the file, not the temporary one that is gone.
func TestDescribeBatchNamesFilesThatExist(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "x.go")
	if err := os.WriteFile(real, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(dir, "sed7WKzqB")
	for _, c := range []struct {
		paths []string
		want  string
	}{
		{[]string{gone, real}, "x.go changed"},
		{[]string{real}, "x.go changed"},
		{[]string{gone}, "sed7WKzqB changed"}, // deleted: still named
		{nil, "files changed"},
	} {
		if got := describeBatch(c.paths, dir); got != c.want {
			t.Errorf("%v: got %q, want %q", c.paths, got, c.want)
		}
	}
}
