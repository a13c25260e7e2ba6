package target

import (
	"slices"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

func TestEmbedGlobs(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"go.mod": "module example.com/app\n",
		"cmd/web/main.go": `package main

import (
	"embed"
	_ "example.com/app/internal/web"
	_ "fmt"
)

//go:embed static templates/*.html
var files embed.FS

//go:embed all:config
var config embed.FS

func main() {}
`,
		"cmd/web/static/css/site.css":   "",
		"cmd/web/templates/index.html":  "",
		"cmd/web/config/.hidden":        "",
		"internal/web/web.go":           "package web\n\nimport (\n\t_ \"embed\"\n\t_ \"example.com/app/internal/util\"\n)\n\n//go:embed \"data.json\"\nvar data []byte\n",
		"internal/web/data.json":        "{}",
		"internal/util/util.go":         "package util\n\nimport _ \"embed\"\n\n//go:embed version.txt\nvar v string\n",
		"internal/util/version.txt":     "1",
		"internal/unused/unused.go":     "package unused\n\nimport _ \"embed\"\n\n//go:embed nope.txt\nvar v string\n",
		"cmd/web/static_test_helper.go": "//go:build never\n\npackage main\n\nimport _ \"embed\"\n\n//go:embed excluded.txt\nvar x string\n",
	})
	fakePath(t, true)
	got, err := Detect("./cmd/web", nil, Options{Dir: root, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Cleanup()

	want := []string{"go.mod", "go.sum", "go.work", "go.work.sum",
		"cmd/web/config", "cmd/web/config/**",
		"cmd/web/static", "cmd/web/static/**",
		"cmd/web/templates/*.html", "cmd/web/templates/*.html/**",
		"internal/web/data.json", "internal/web/data.json/**",
		"internal/util/version.txt", "internal/util/version.txt/**",
	}
	if !slices.Equal(got.Files, want) {
		t.Fatalf("Files =\n%q\nwant\n%q", got.Files, want)
	}
	matches := func(path string) bool {
		for _, g := range got.Files {
			if doublestar.MatchUnvalidated(g, path) {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"cmd/web/static/css/site.css", "cmd/web/templates/index.html", "cmd/web/config/.hidden", "internal/web/data.json", "internal/util/version.txt", "go.sum"} {
		if !matches(p) {
			t.Errorf("%s is embedded but matches no glob", p)
		}
	}
	for _, p := range []string{"cmd/web/templates/index.txt", "internal/unused/nope.txt", "cmd/web/excluded.txt", "cmd/web/main_test.go"} {
		if matches(p) {
			t.Errorf("%s matches a glob but is not embedded", p)
		}
	}
}

// TestEmbedGlobsEscapeFolderNames checks that a package folder whose name holds glob
// characters is matched literally.
func TestEmbedGlobsEscapeFolderNames(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"go.mod":           "module m\n",
		"app[1]/main.go":   "package main\n\nimport _ \"embed\"\n\n//go:embed page.html\nvar p string\n\nfunc main() {}\n",
		"app[1]/page.html": "",
	})
	fakePath(t, true)
	got, err := Detect("app[1]", nil, Options{Dir: root, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Cleanup()
	if !slices.ContainsFunc(got.Files, func(g string) bool { return doublestar.MatchUnvalidated(g, "app[1]/page.html") }) {
		t.Errorf("Files %q do not match app[1]/page.html", got.Files)
	}
	if slices.ContainsFunc(got.Files, func(g string) bool { return doublestar.MatchUnvalidated(g, "app1/page.html") }) {
		t.Errorf("Files %q match app1/page.html", got.Files)
	}
}
