//go:build !unix

package childrpc

import "errors"

// SocketDir returns the folder of the control sockets. devrun's control socket needs
// a Unix system.
func SocketDir() (string, error) {
	return "", errors.New("childrpc: the devrun control socket needs a Unix system")
}

func isRefused(err error) bool { return false }
