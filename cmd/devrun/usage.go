package main

import (
	"fmt"
	"io"
	"strings"
)

const usageHead = `devrun builds and runs your program, restarts it when a file changes or
when it crashes, and lets you call commands the running program registered.

Usage:
  devrun [flags] [--] TARGET [ARGS...]
  devrun ls | send | restart | stop | logs | events | wait | mcp | completion
         | version | help

TARGET is one of:
  ./app, ., main.go   a Go package or file: built with go build, rebuilt on save
  ./bin/server        an executable file
  app.js, app.py      a script: run with node (with the devrun channel),
  app.ts              python3 or tsx
  anything else       a command looked up on PATH (use -- before a command named
                      like a subcommand: devrun -- ls)

Examples:
  devrun ./cmd/server -- --port 8080   build and run, restart on every save
  devrun -e +html app.py               a Python program, also watching .html
  devrun -x 'python3 -u' -w src app.py another interpreter, watch only src
  devrun --build 'make bin/srv' -- bin/srv
  devrun --listen :8080 ./app          hold port 8080: no request is refused
  devrun send reload '{"full":true}'   call the program's "reload" command

While it runs: type rs and Enter to restart; other lines go to the program's
stdin; Ctrl-C stops the program gracefully (a second Ctrl-C kills it).

Flags:
`

const usageTail = `
Client commands (for a devrun running in another terminal):
  devrun ls [-n NAME] [--json]              list running devruns
  devrun send [-n NAME] [-p PROC] METHOD [JSON|-]
                                            call a command of the program
  devrun restart [-n NAME] / stop [-n NAME] restart it / stop it
  devrun logs [-n NAME] [-l 100] [-f]       its recent output, then follow
  devrun events [-n NAME|--all] [--json]    follow builds, starts, crashes
  devrun wait [-n NAME] [--ready]           until it is ready (exit 1: it
                                            failed, 2: timed out)
  devrun mcp                                an MCP server for coding agents
  devrun help SUBCOMMAND                    a subcommand's flags
  devrun completion bash|zsh|fish           shell completion script

Settings can also live in devrun.toml: every flag is a key (--build-flags is
build_flags), and flags override the file. With no TARGET, devrun runs what
nodemon.json, package.json or .air.toml say.
`

func printUsage(w io.Writer) {
	fs := newOptions().flags.FlagSet
	fmt.Fprint(w, usageHead)
	fmt.Fprint(w, strings.TrimRight(fs.FlagUsagesWrapped(80), "\n")+"\n")
	fmt.Fprint(w, usageTail)
}
