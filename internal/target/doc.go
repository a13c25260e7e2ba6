// Package target turns what the user typed after the flags (TARGET [ARGS...]) into something the
// runner can build and run, plus the watch set that makes sense for it.
//
// Detection rules, in order:
//
//   - no target: the --exec string is the whole command (nodemon's `-x 'cmd ...'` alone);
//   - an existing folder: a Go package (non-test .go files of package main) built with
//     `go build -o <cache>/<name> <pkg>` in its module; the binary lives in a per-user cache
//     folder, never in the watched tree, and Target.Cleanup removes it;
//   - an existing .go file: the same, building just that file, as `go run main.go` does (build
//     constraints of a named file are ignored, as the go command ignores them);
//   - an existing .js/.mjs/.cjs file: node (with the IPC channel), .py: python3, .ts/.mts/.cts/.tsx:
//     tsx (node_modules/.bin/tsx found walking up, else tsx on PATH), run directly rather than
//     through npx, which would cost a registry look-up and hundreds of milliseconds per start;
//   - any other existing file: run as is when executable, else an error;
//   - a name that exists nowhere on disk: a command looked up on PATH.
//
// Options.Exec replaces the interpreter (or, for Go, wraps the built binary: `-x 'dlv exec'`).
// Options.Build adds a build step to any target; for a Go package it runs before go build (go
// generate, templ generate...), so the binary is still fresh.
//
// Detection reads go.mod, go.work and folder entries itself and never runs `go list`: it is on
// the start path of every devrun and must stay in the low milliseconds. A Go target's GoWatch
// runs `go list -deps` after each build instead, off the path from save to serving, and from
// then on decides which changed files matter: what the build compiled, and templates.
//
// Options.Debug runs the program under a debugger (dlv, node --inspect, debugpy).
package target
