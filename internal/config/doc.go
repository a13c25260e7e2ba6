// Package config is devrun's one settings schema: the documented structs in schema.go are the
// devrun.toml keys, the command-line flags (the same names in kebab-case), their defaults, help
// and completion. One parser per kind of value (kinds.go) reads a flag's word and a file's
// value alike, so both accept the same values and refuse the same ones with the same words.
//
// In devrun.toml, keys at the top level are defaults for every process; with no
// [process.NAME] table they describe the one process (run = "./cmd/web"), and with neither
// they only set defaults for the target given on the command line. A [process.NAME] table
// overrides them key by key (env is merged variable by variable). devrun's own settings
// (name, clear, no_color, quiet, verbose) are top-level only.
//
// A relative path is relative to the dir of the table it is written in (a process's dir for its
// table's keys, the top-level dir, by default the file's folder, for top-level keys), and dir
// itself to the file's folder, so a config means the same thing whatever folder devrun is
// started from; a flag's path is relative to the current folder. run is kept as written: give
// Process.Dir to target detection. A duration is a Go duration or plain seconds ("1.5"); a bare
// TOML number is refused because nodemon users mean milliseconds and Go users nanoseconds.
//
// Flags lay over the file as Settings.Override says: -i and --env add, -w and -e replace
// unless written +DIR or +EXT, the rest replace.
//
// Every problem in a file is an *Error naming the file, line and key; Load reports all it
// finds (as Errors) so that one run fixes them all.
package config
