package config

import "testing"

// BenchmarkLoad reads testdata/full/devrun.toml (three processes, every key): on the start
// path of devrun.
//
//	go test -run '^$' -bench Load -benchtime 2s ./internal/config/
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load("testdata/full/devrun.toml"); err != nil {
			b.Fatal(err)
		}
	}
}
