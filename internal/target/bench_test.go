package target

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// benchModule writes a module whose main package imports n packages of the module, each with
// eight files and one embedded file: a mid-sized service.
func benchModule(b *testing.B, n int) string {
	root := b.TempDir()
	files := map[string]string{"go.mod": "module example.com/svc\n\ngo 1.22\n"}
	var imports strings.Builder
	for i := range n {
		fmt.Fprintf(&imports, "\t_ \"example.com/svc/internal/p%d\"\n", i)
		for f := range 8 {
			files[fmt.Sprintf("internal/p%d/f%d.go", i, f)] = fmt.Sprintf("package p%d\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nvar _ = fmt.Sprint\nvar _ = strings.Repeat\n\nfunc F%d() {}\n", i, f)
		}
		files[fmt.Sprintf("internal/p%d/embed.go", i)] = fmt.Sprintf("package p%d\n\nimport _ \"embed\"\n\n//go:embed data.txt\nvar data string\n", i)
		files[fmt.Sprintf("internal/p%d/data.txt", i)] = "x"
	}
	files["cmd/svc/main.go"] = "package main\n\nimport (\n" + imports.String() + ")\n\nfunc main() {}\n"
	writeTree(b, root, files)
	return root
}

// BenchmarkDetectGo measures Detect for a Go package: on the start path of every devrun.
//
//	go test -run '^$' -bench DetectGo -benchtime 2s ./internal/target/
func BenchmarkDetectGo(b *testing.B) {
	for _, n := range []int{0, 10, 50} {
		b.Run(fmt.Sprintf("imports=%d", n), func(b *testing.B) {
			root := benchModule(b, n)
			cache := b.TempDir()
			b.ResetTimer()
			for b.Loop() {
				tg, err := Detect("./cmd/svc", nil, Options{Dir: root, CacheDir: cache})
				if err != nil {
					b.Fatal(err)
				}
				tg.Cleanup()
			}
		})
	}
}

// BenchmarkDetectScript measures Detect for a node script.
func BenchmarkDetectScript(b *testing.B) {
	root := b.TempDir()
	writeTree(b, root, map[string]string{"server.js": ""})
	for b.Loop() {
		if _, err := Detect("server.js", nil, Options{Dir: root}); err != nil {
			b.Skip(err)
		}
	}
}

// BenchmarkWatchSet measures GoWatch.Refresh (one go list -deps) on a module of 200 packages:
// it runs after each build, off the path from save to serving.
//
//	go test -run '^$' -bench WatchSet ./internal/target/
func BenchmarkWatchSet(b *testing.B) {
	root := benchModule(b, 200)
	tg, err := Detect("./cmd/svc", nil, Options{Dir: root, CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer tg.Cleanup()
	for b.Loop() {
		st, err := tg.GoWatch.Refresh(context.Background(), nil, true, tg.WatchRoots)
		if err != nil {
			b.Fatal(err)
		}
		if st.Packages != 201 {
			b.Fatalf("%d local packages, want 201", st.Packages)
		}
	}
}
