package watcher

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The fixture: .gitignore files at several levels and info/exclude, and a tree with a path
// for each rule that should and should not match.
var gitignoreFixture = map[string]string{
	".gitignore": strings.Join([]string{
		"# a comment, then a blank line",
		"",
		"*.log",
		"!important.log",
		"/anchored.txt",
		"build/",
		"docs/**/*.pdf",
		"**/tmp",
		"**/cache/**",
		"foo/**/bar",
		"a?c.txt",
		"[abc]x.dat",
		"[!abc]y.dat",
		"x[0-9].bin",
		"z[[:digit:]]z",
		`\#hash.txt`,
		`\!bang.txt`,
		"trailing.txt   ",
		`escspace\ `,
		"*.o",
		"!keep.o",
		"nested/deep/",
		"/rootonly/",
		"dir_only_name/",
		"star*middle",
		"abc/**",
		"sub/*.gen2",
		"middle/*/end",
		`lit\*star`,
		"!/notignored/",
	}, "\n") + "\n",
	"sub/.gitignore":    "*.gen\n!special.gen\n/local.txt\ninner/\n!*.log\n",
	"sub/x/.gitignore":  "*.txt\r\n!keep.txt\r\n",
	".git/info/exclude": "excluded_by_info\n*.secret\n",
}

var gitignoreTree = []string{
	"app.log", "important.log", "sub/app.log", "sub/x/y.log", "a/b/deep.log",
	"anchored.txt", "sub/anchored.txt",
	"build/out.bin", "sub/build/out.bin", "build2", "a/build",
	"docs/a/b/c.pdf", "docs/c.pdf", "docs/c.txt", "other/docs/c.pdf",
	"tmp/x", "a/tmp/x", "tmpfile", "b/tmp",
	"cache/1", "a/cache/2", "a/b/cache/c/3", "cachefile",
	"foo/bar", "foo/x/y/bar", "foo/barx", "a/foo/bar",
	"abc.txt", "axc.txt", "ac.txt", "abbc.txt",
	"ax.dat", "dx.dat", "ay.dat", "dy.dat",
	"x1.bin", "xa.bin", "z5z", "zaz",
	"#hash.txt", "!bang.txt", "hash.txt",
	"trailing.txt", "escspace ", "escspace",
	"a.o", "keep.o", "sub/keep.o",
	"nested/deep/f", "x/nested/deep/f", "nested/other",
	"rootonly/f", "a/rootonly/f",
	"dir_only_name/f", "a/dir_only_name",
	"starXXmiddle", "a/star_middle", "starmiddle", "star/middle",
	"abc/def/g", "abcd/e",
	"sub/p.gen2", "sub/q/p.gen2", "p.gen2",
	"middle/one/end", "middle/one/two/end", "middle/end",
	"lit*star", "litXstar",
	"notignored/f",
	"sub/p.gen", "sub/special.gen", "sub/q/r.gen", "p.gen",
	"sub/local.txt", "sub/y/local.txt", "sub/inner/f", "sub/y/inner/f",
	"sub/x/t.txt", "sub/x/keep.txt", "sub/x/z/t.txt", "sub/x/z/keep.txt",
	"excluded_by_info", "a/excluded_by_info", "k.secret", "weird[1].txt", "with space.txt",
}

// TestGitignoreMatchesGit checks the watcher's decision for every path of the fixture
// against git check-ignore, once with the repository as the root and once with a subfolder
// (whose .gitignore files above it and info/exclude still apply).
func TestGitignoreMatchesGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	repo := tempDir(t)
	gitCmd(t, git, repo, "init", "-q")
	for name, content := range gitignoreFixture {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(repo, name)), 0o755))
		write(t, filepath.Join(repo, name), content)
	}
	tree(t, repo, gitignoreTree...)

	var all []string
	must(t, filepath.WalkDir(repo, func(p string, d fs.DirEntry, err error) error {
		must(t, err)
		rel, _ := filepath.Rel(repo, p)
		if rel == ".git" {
			return filepath.SkipDir
		}
		if rel != "." {
			all = append(all, filepath.ToSlash(rel))
		}
		return nil
	}))
	out := gitCmdIn(t, git, repo, strings.Join(all, "\n")+"\n", "check-ignore", "--no-index", "--stdin")
	gitSays := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			gitSays[l] = true
		}
	}
	if len(gitSays) < 30 {
		t.Fatalf("git ignores only %d paths: fixture broken? %q", len(gitSays), out)
	}

	for _, sub := range []string{"", "sub"} {
		root := filepath.Join(repo, sub)
		ours := ignoredByWatcher(t, root)
		for _, p := range all {
			if sub != "" {
				if !strings.HasPrefix(p, sub+"/") {
					continue
				}
			}
			rel := strings.TrimPrefix(p, sub+"/")
			if rel == ".gitignore" || strings.HasSuffix(rel, "/.gitignore") {
				continue
			}
			if ours[rel] != gitSays[p] {
				t.Errorf("root %q: %s: watcher ignores=%v, git ignores=%v", sub, p, ours[rel], gitSays[p])
			}
		}
	}
}

// ignoredByWatcher returns the paths under root (relative, slash-separated) that a watcher
// on root does not report: pruned folders with everything below, and files that do not count.
func ignoredByWatcher(t *testing.T, root string) map[string]bool {
	w := start(t, Options{Roots: []string{root}, NoDefaultIgnores: true}, hooks{})
	must(t, w.Close()) // the loop is gone: the state can be inspected
	s := w.s
	ignored := map[string]bool{}
	must(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		must(t, err)
		if p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == ".git" {
			return filepath.SkipDir
		}
		parent := s.lookup(filepath.Dir(p))
		if parent == nil {
			t.Fatalf("%s: parent folder not known", p)
		}
		if d.IsDir() {
			if s.lookup(p) == nil {
				ignored[rel] = true
				markBelow(t, p, rel, ignored)
				return filepath.SkipDir
			}
			return nil
		}
		if !s.fileRelevant(parent, d.Name()) {
			ignored[rel] = true
		}
		return nil
	}))
	return ignored
}

func markBelow(t *testing.T, dir, rel string, ignored map[string]bool) {
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		must(t, err)
		r, _ := filepath.Rel(dir, p)
		if r != "." {
			ignored[rel+"/"+filepath.ToSlash(r)] = true
		}
		return nil
	}))
}

// gitEnv keeps the user's and the system's git configuration (a global excludes file) out.
func gitEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "XDG_CONFIG_HOME="+home, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null")
}

func gitCmd(t *testing.T, git, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(git, args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %q: %v\n%s", args, err, out)
	}
}

func gitCmdIn(t *testing.T, git, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(git, args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(t.TempDir())
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		// check-ignore exits 1 when nothing is ignored.
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("git %q: %v", args, err)
		}
	}
	return string(out)
}

func TestParseGitignore(t *testing.T) {
	f := parseGitignore([]byte("# c\n\n  \n!neg\n/anch/\nname\nx/y\n\\#lit\ntrail  \nesc\\ \n"))
	var got []string
	for _, r := range f.rules {
		got = append(got, sprintf("%q neg=%v dir=%v name=%v", r.pat, r.negate, r.dirOnly, r.nameOnly))
	}
	want := []string{
		`"neg" neg=true dir=false name=true`,
		`"anch" neg=false dir=true name=false`,
		`"name" neg=false dir=false name=true`,
		`"x/y" neg=false dir=false name=false`,
		`"\\#lit" neg=false dir=false name=true`,
		`"trail" neg=false dir=false name=true`,
		`"esc\\ " neg=false dir=false name=true`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
