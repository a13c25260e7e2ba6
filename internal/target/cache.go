package target

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// binaryDir makes a private folder for one Detect's binary: <root>/<hash>-<pid>-<random>.
// One folder per Detect (not per package) because two processes of one devrun.toml may build the
// same package, and two devruns may run at once: each must own the file it writes and removes.
// The pid in the name lets a later devrun remove folders left by one that was SIGKILLed.
// The returned ignore glob is non-empty when the folder falls inside watchRoot (an explicit
// CacheDir there, or a home folder that is itself the module): the watcher must then skip it.
func binaryDir(cacheDir, key, watchRoot string) (dir, ignore string, err error) {
	root := cacheDir
	if root == "" {
		if ucd, err := os.UserCacheDir(); err == nil {
			root = filepath.Join(ucd, "devrun")
		}
		if root == "" || within(root, watchRoot) {
			root = filepath.Join(os.TempDir(), "devrun-"+strconv.Itoa(os.Getuid()))
		}
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", "", fmt.Errorf("cache folder for the build: %w", err)
	}
	removeStaleDirs(root)
	sum := sha256.Sum256([]byte(key))
	dir, err = os.MkdirTemp(root, hex.EncodeToString(sum[:6])+"-"+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", "", fmt.Errorf("cache folder for the build: %w", err)
	}
	if within(dir, watchRoot) {
		rel, _ := filepath.Rel(watchRoot, dir)
		ignore = escapeGlob(filepath.ToSlash(rel)) + "/**"
	}
	return dir, ignore, nil
}

// removeStaleDirs removes binary folders whose devrun is gone. Best effort: a folder it cannot
// judge or remove stays, and costs only disk space.
func removeStaleDirs(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, e := range entries {
		parts := strings.Split(e.Name(), "-")
		if !e.IsDir() || len(parts) != 3 {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || pid <= 0 || pid == self || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(root, e.Name()))
	}
}

// within reports whether path is root or below it.
func within(path, root string) bool {
	if root == "" {
		return false
	}
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// onceRemover returns a Cleanup that removes dir once, however many times it is called.
func onceRemover(dir string) func() {
	var once sync.Once
	return func() { once.Do(func() { _ = os.RemoveAll(dir) }) }
}
