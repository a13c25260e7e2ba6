//go:build !linux && !darwin

package control

import (
	"errors"
	"net"
)

// checkPeer refuses every client where devrun cannot learn who the peer is.
func checkPeer(net.Conn) error {
	return errors.New("peer credentials are not supported on this system")
}
