package config

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
	"legacy_watch": "poll", "polling": "poll", "symlinks": "follow_symlinks",
}

// suggestKey explains an unknown key: a known alias, or the nearest known key of that scope
// (the top level also has devrun's own settings and the process tables).
func suggestKey(key string, top bool) string {
	var names []string
	for _, f := range Fields() {
		if top || !f.Top {
			names = append(names, f.Key)
		}
	}
	if top {
		names = append(names, "process")
	}
	if a, ok := aliases[key]; ok {
		return " (did you mean " + quote(a) + "?)"
	}
	return didYouMean(key, names)
}

func quote(s string) string { return `"` + s + `"` }
