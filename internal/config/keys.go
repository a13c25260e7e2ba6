package config

import "sort"

// valueKind is how a key's TOML value is read.
type valueKind int

const (
	kindString   valueKind = iota
	kindArgs               // list of strings, or one shell-quoted string
	kindList               // list of strings, or one string
	kindExts               // list, or one "go,tmpl" string
	kindPaths              // kindList of existing paths, made absolute
	kindPath               // existing file, made absolute
	kindDir                // existing folder, made absolute
	kindDuration           // Go duration string
	kindBool               //
	kindScale              // integer >= 1
	kindEnv                // table of scalars
	kindSignal             // signal name
	kindRestart            // restart policy
	kindListen             // list of "[name=]addr"
	kindNames              // list of process names
)

// processKeys are the keys of a [process.NAME] table, also allowed at the top level as defaults.
var processKeys = map[string]valueKind{
	"run": kindString, "args": kindArgs, "exec": kindString, "build": kindString,
	"build_flags": kindArgs, "watch": kindPaths, "ext": kindExts, "ignore": kindList,
	"delay": kindDuration, "signal": kindSignal, "grace": kindDuration, "restart": kindRestart,
	"env": kindEnv, "env_file": kindPath, "listen": kindListen, "overlap": kindBool,
	"ready_timeout": kindDuration, "scale": kindScale, "depends_on": kindNames,
	"poll": kindDuration, "no_gitignore": kindBool, "dir": kindDir,
	// Go mode and debugging (#15).
	"debug": kindBool, "no_templates": kindBool,
}

// topOnlyKeys are the settings of devrun itself rather than of a process.
var topOnlyKeys = map[string]valueKind{
	"name": kindString, "clear": kindBool, "no_color": kindBool, "quiet": kindBool, "verbose": kindBool,
}

// aliases are names people bring from other tools (nodemon, Procfile managers, docker-compose);
// edit distance would not find them.
var aliases = map[string]string{
	"command": "run", "cmd": "run", "script": "run", "target": "run",
	"extensions": "ext", "exts": "ext", "extension": "ext",
	"instances": "scale", "workers": "scale", "replicas": "scale", "count": "scale",
	"depends": "depends_on", "after": "depends_on", "requires": "depends_on",
	"environment": "env", "dotenv": "env_file", "cwd": "dir", "workdir": "dir", "working_dir": "dir",
	"kill_signal": "signal", "stop_signal": "signal", "timeout": "grace", "kill_timeout": "grace",
	"gitignore": "no_gitignore", "autorestart": "restart", "restart_policy": "restart",
	"ports": "listen", "port": "listen", "socket": "listen", "sockets": "listen",
}

// suggestKey explains an unknown key: a known alias, or the nearest known key of that scope.
func suggestKey(key string, known ...map[string]valueKind) string {
	var names []string
	for _, m := range known {
		for k := range m {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if a, ok := aliases[key]; ok {
		for _, n := range names {
			if n == a {
				return " (did you mean " + quote(a) + "?)"
			}
		}
	}
	return didYouMean(key, names)
}

func quote(s string) string { return `"` + s + `"` }
