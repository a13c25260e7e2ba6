// Package benchkit is what the programs under bench/ share: a scratch folder with devrun
// built from this checkout, so that each measures the code beside it.
package benchkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Work makes a scratch folder and builds ./cmd/devrun into it. The caller removes the folder
// (os.RemoveAll(work)) when done.
func Work(prefix string) (work, devrun string, err error) {
	work, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", "", err
	}
	devrun = filepath.Join(work, "devrun")
	if err := Build(devrun, "./cmd/devrun"); err != nil {
		os.RemoveAll(work)
		return "", "", err
	}
	return work, devrun, nil
}

// Build runs go build -o out pkg, pkg relative to the repository root.
func Build(out, pkg string) error {
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s (run this from the repository root): %v\n%s", pkg, err, b)
	}
	return nil
}
