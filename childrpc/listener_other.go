//go:build !unix

package childrpc

import (
	"errors"
	"net"
	"os"
)

var errNoInheritance = errors.New("childrpc: inherited sockets need a Unix system")

func takeInherited() ([]*inheritedSocket, error) {
	if _, ok := os.LookupEnv(EnvListenFDs); ok {
		return nil, errNoInheritance
	}
	return nil, nil
}

func listen(network, address string) (net.Listener, error) {
	return net.Listen(network, address)
}
