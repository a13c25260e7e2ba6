// Package config reads devrun.toml: the settings of the command line, for one process or for
// several.
//
// Keys at the top level are defaults for every process; with no [process.NAME] table they
// describe the one process (run = "./cmd/web"), and with neither they only set defaults for the
// target given on the command line. A [process.NAME] table overrides them key by key (env is
// merged variable by variable). Top-level only: name, clear, no_color, quiet, verbose.
//
//	key            TOML value                              Process field
//	run            string: a TARGET, as on the command line Run
//	args           list of strings, or one shell-quoted string Args
//	exec           string (-x)                             Exec
//	build          string (--build)                        Build
//	build_flags    list, or one shell-quoted string        BuildFlags
//	watch          list of paths, or one path (-w)         Watch (absolute)
//	ext            list, or "go,tmpl" (-e)                 Ext (no dots)
//	ignore         list of globs, or one (-i)              Ignore
//	delay          duration string "200ms" (-d)            Delay
//	signal         "SIGTERM", "TERM", "int"... (-s)        Signal ("SIGTERM" form)
//	grace          duration string                         Grace
//	restart        "on-crash", "always" or "never"         Restart
//	env            table of strings (numbers, booleans ok) Env
//	env_file       path                                    EnvFile (absolute)
//	listen         list of "[name=]addr", or one           Listen (relative unix paths made absolute)
//	overlap        boolean                                 Overlap
//	ready_timeout  duration string                         ReadyTimeout
//	scale          integer >= 1 (default 1)                Scale
//	depends_on     list of process names, or one           DependsOn (per process only)
//	poll           duration string (polling interval)      Poll
//	no_gitignore   boolean                                 NoGitignore
//	debug          boolean                                 Debug
//	no_templates   boolean                                 NoTemplates
//	dir            path: working folder of the process     Dir (absolute; default: the file's folder)
//
// A relative path is relative to the dir of the table it is written in (a process's dir for its
// table's keys, the top-level dir, by default the file's folder, for top-level keys), and dir
// itself to the file's folder, so a config means the same thing whatever folder devrun is
// started from. run is kept as written: give Process.Dir to target detection. Durations are Go duration
// strings; a bare number is refused because nodemon users mean seconds and Go users mean
// nanoseconds.
//
// Every problem is an *Error naming the file, line and key; Load reports all it finds (as
// Errors) so that one run fixes them all.
package config
