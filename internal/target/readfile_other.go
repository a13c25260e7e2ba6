//go:build !unix

package target

import "os"

// readSmallFile reads path; buf is a hint unused on this system.
func readSmallFile(path string, buf []byte) ([]byte, error) { return os.ReadFile(path) }
