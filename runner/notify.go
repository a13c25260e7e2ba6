package runner

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// notifySocket is the NOTIFY_SOCKET of one generation (sd_notify's protocol: datagrams of
// KEY=VALUE lines). A socket per generation says which generation is ready without trusting
// the pid the datagram claims.
type notifySocket struct {
	path string
	conn *net.UnixConn
	once sync.Once
}

func openNotifySocket(dir string, id int, onReady func()) (*notifySocket, error) {
	path := filepath.Join(dir, fmt.Sprintf("gen%d.sock", id))
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, err
	}
	n := &notifySocket{path: path, conn: conn}
	go n.read(onReady)
	return n, nil
}

func (n *notifySocket) read(onReady func()) {
	buf := make([]byte, 4096)
	for {
		size, err := n.conn.Read(buf)
		if err != nil {
			return
		}
		for line := range bytes.SplitSeq(buf[:size], []byte("\n")) {
			if string(bytes.TrimSpace(line)) == "READY=1" {
				onReady()
			}
		}
	}
}

func (n *notifySocket) close() {
	n.once.Do(func() {
		n.conn.Close()
		os.Remove(n.path)
	})
}
