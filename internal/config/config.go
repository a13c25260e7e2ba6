package config

import (
	"os"
	"path/filepath"
)

// FileName is the config file devrun looks for in the folder it starts in.
const FileName = "devrun.toml"

// Config is a whole devrun.toml.
type Config struct {
	Path string // as given to Load: errors name the file this way
	Dir  string // absolute folder of the file

	// Settings holds the top level: devrun's own settings, and in Settings.Process the
	// process keys written there, which are the defaults of every process (and what a target
	// given on the command line uses).
	Settings
	// Processes in file order, defaults applied; or the one top-level process when the file
	// has run (or exec) at the top and no [process.NAME] table; or none.
	Processes []Process
}

// Find returns the devrun.toml of dir, if there is one.
func Find(dir string) (string, bool) {
	p := filepath.Join(dir, FileName)
	fi, err := os.Stat(p)
	return p, err == nil && fi.Mode().IsRegular()
}

// Load reads and checks a config file. Every problem found is reported, as an *Error when there
// is one and as Errors when there are several; each names the file, the line and the key.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return parse(path, filepath.Dir(abs), string(data))
}
