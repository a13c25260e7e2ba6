package config

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Environment is what the process adds to devrun's environment: env_file's lines, then env's
// entries (a later entry wins).
func (p *Process) Environment() ([]string, error) {
	var env []string
	if p.EnvFile != "" {
		fromFile, err := ReadEnvFile(p.EnvFile)
		if err != nil {
			return nil, err
		}
		env = fromFile
	}
	return mergeEnv(env, p.Env), nil
}

// ReadEnvFile reads KEY=VALUE lines as dotenv files have them: blank lines and # comments are
// skipped, "export " is allowed, values may be single- or double-quoted (double quotes
// understand \n, \t, \" and \\).
func ReadEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("env file: %w", err)
	}
	defer f.Close()
	var env []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kv, err := ParseEnvEntry(strings.TrimPrefix(line, "export "))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		env = append(env, kv)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return env, nil
}
