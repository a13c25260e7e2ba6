package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// tree is a built tree: its root and its deepest folder.
type tree struct {
	root, deepest string
}

func (t tree) deepestRel() string {
	rel, err := filepath.Rel(t.root, t.deepest)
	if err != nil {
		return t.deepest
	}
	return rel
}

// doneFile marks a complete tree and names its deepest folder.
const doneFile = ".bigtree-done"

// ensureTree builds the tree unless a complete one is there already.
func ensureTree(c config) (tree, error) {
	t := tree{root: c.dir}
	if data, err := os.ReadFile(filepath.Join(c.dir, doneFile)); err == nil {
		t.deepest = strings.TrimSpace(string(data))
		return t, nil
	}
	fmt.Fprintf(os.Stderr, "building %d files in %d folders in %s ...\n", c.files, c.folders, c.dir)
	if err := os.RemoveAll(c.dir); err != nil {
		return t, err
	}
	deepest, err := build(c.dir, c.files, c.folders, c.fanout)
	if err != nil {
		return t, err
	}
	t.deepest = deepest
	if c.ignored > 0 {
		if _, err := build(filepath.Join(c.dir, "node_modules"), c.ignored, max(1, c.ignored/10), c.fanout); err != nil {
			return t, err
		}
	}
	return t, os.WriteFile(filepath.Join(c.dir, doneFile), []byte(deepest+"\n"), 0o644)
}

// build creates folders breadth first, fanout per folder, and spreads the files evenly over
// them (one in ten a .md, the rest .go). It returns the last, deepest, folder.
func build(root string, files, folders, fanout int) (string, error) {
	all := []string{root}
	for i := 0; len(all) <= folders; i++ {
		for j := 0; j < fanout && len(all) <= folders; j++ {
			all = append(all, filepath.Join(all[i], fmt.Sprintf("d%d", j)))
		}
	}
	for _, d := range all {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", err
		}
	}
	for i := 0; i < files; i++ {
		ext := ".go"
		if i%10 == 9 {
			ext = ".md"
		}
		name := filepath.Join(all[1+i%folders], fmt.Sprintf("file%d%s", i, ext))
		if err := os.WriteFile(name, []byte("package x\n"), 0o644); err != nil {
			return "", err
		}
	}
	return all[len(all)-1], nil
}
