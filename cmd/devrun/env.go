package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// readEnvFile reads KEY=VALUE lines as dotenv files have them: blank lines and # comments are
// skipped, "export " is allowed, values may be single- or double-quoted (double quotes
// understand \n, \t, \" and \\).
func readEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--env-file: %w", err)
	}
	defer f.Close()
	var env []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		kv, err := parseEnvAssignment(line)
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

// parseEnvAssignment checks KEY=VALUE (from --env or an env file) and unquotes VALUE.
func parseEnvAssignment(s string) (string, error) {
	key, value, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" || strings.ContainsAny(key, " \t") {
		return "", fmt.Errorf("%q is not KEY=VALUE", s)
	}
	value = strings.TrimSpace(value)
	switch {
	case len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"':
		v, err := strconv.Unquote(value)
		if err != nil {
			return "", fmt.Errorf("%s: bad double-quoted value: %v", key, err)
		}
		value = v
	case len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'':
		value = value[1 : len(value)-1]
	default:
		if i := strings.Index(value, " #"); i >= 0 {
			value = strings.TrimSpace(value[:i])
		}
	}
	return key + "=" + value, nil
}
