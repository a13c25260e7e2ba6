//go:build unix

package target

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestStaleBinaryFoldersRemoved: a devrun killed with SIGKILL cannot run Cleanup; the next one
// removes its folder, and leaves those of live devruns alone.
func TestStaleBinaryFoldersRemoved(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	writeTree(t, root, map[string]string{"go.mod": "module m\n", "main.go": mainGo})
	fakePath(t, true)

	dead := exec.Command("/bin/sh", "-c", "exit 0")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(cache, "0123456789ab-"+strconv.Itoa(dead.Process.Pid)+"-42")
	live := filepath.Join(cache, "0123456789ab-"+strconv.Itoa(os.Getppid())+"-43")
	other := filepath.Join(cache, "not-ours")
	for _, d := range []string{stale, live, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	tg, err := Detect(".", nil, Options{Dir: root, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Cleanup()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale folder of dead pid %d still there: %v", dead.Process.Pid, err)
	}
	for _, d := range []string{live, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
}
