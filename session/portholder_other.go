//go:build !linux

package session

import "errors"

// portHolder needs /proc; elsewhere devrun points at lsof instead.
func portHolder(int) (holder, error) { return holder{}, errors.New("not supported on this system") }
