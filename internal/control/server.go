// Package control is the socket side of a devrun's control server: claiming a unique, private
// socket path, accepting clients of the same user only, and bounding how many are served.
// What the clients may ask for is the caller's (see Options.Conn).
package control

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// Server is a devrun's control socket: devrun ls/send/restart/stop/logs and childrpc.Dial
// talk to it. Each client gets its own Conn; a misbehaving client only ever loses its own
// connection.
type Server struct {
	Name     string // as claimed: the name asked for, or name-2, name-3, ... (see Listen)
	listener net.Listener
	path     string
	opts     Options
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[*childrpc.Conn]struct{}
	closing  chan struct{} // closed by Close: stops the accept loop's pauses
	refusing chan struct{} // a slot per refusal in progress
}

// Options are what a Server needs of the devrun it serves.
type Options struct {
	// Conn gives a client's connection its handlers. conn returns the connection once it is
	// made, for handlers that write to it (a handler may run before NewConn returns).
	Conn func(conn func() *childrpc.Conn) childrpc.ConnOptions
	// Warnf says a client was refused or accepting fails; Infof that accepting works again.
	Warnf, Infof func(format string, args ...any)
}

// Listen claims <dir>/<name>.sock, making the name unique (app, app-2, ...) when another live
// devrun has it, and removing stale socket files nobody answers on. Serve starts answering.
func Listen(name string) (*Server, error) {
	dir, err := childrpc.SocketDir()
	if err != nil {
		return nil, err
	}
	for i := 1; i < 100; i++ {
		claimed := name
		if i > 1 {
			claimed = name + "-" + strconv.Itoa(i)
		}
		path := filepath.Join(dir, claimed+".sock")
		l, err := listenOwned(path)
		if errors.Is(err, syscall.EADDRINUSE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &Server{Name: claimed, listener: l, path: path, conns: map[*childrpc.Conn]struct{}{}, closing: make(chan struct{}), refusing: make(chan struct{}, maxRefusing)}, nil
	}
	return nil, fmt.Errorf("no free name for %q in %s", name, dir)
}

// Serve accepts clients until Close.
func (c *Server) Serve(o Options) {
	c.opts = o
	c.wg.Add(1)
	go c.accept()
}

// listenOwned binds a 0600 socket at path. A socket file nobody answers on is stale: it is
// removed and the bind tried again; one that answers gives EADDRINUSE.
func listenOwned(path string) (net.Listener, error) {
	for attempt := 0; attempt < 2; attempt++ {
		l, err := net.Listen("unix", path)
		if err == nil {
			// The folder is 0700 already; 0600 on the socket is the second lock.
			if err := os.Chmod(path, 0o600); err != nil {
				l.Close()
				return nil, err
			}
			return l, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, err
		}
		if c, derr := net.DialTimeout("unix", path, time.Second); derr == nil {
			c.Close()
			return nil, err
		}
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s: a file that is not a socket is in the way", path)
		}
		os.Remove(path)
	}
	return nil, fmt.Errorf("%s: %w", path, syscall.EADDRINUSE)
}

// MaxConns bounds the control connections served at once; a client past it is told
// so and hung up on. maxRefusing bounds the refusals in progress; past it a client is
// hung up on without a word.
const (
	MaxConns    = 128
	maxRefusing = 8
)

// accept serves clients until the listener closes. A failed accept (EMFILE, say) is retried
// after a pause that grows from 5 ms to 1 s, and logged once for each spell of failures: one
// bad moment must not leave devrun deaf.
func (c *Server) accept() {
	defer c.wg.Done()
	var pause time.Duration
	for {
		conn, err := c.listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if pause == 0 {
				c.opts.Warnf("control socket: accept: %v; retrying", err)
				pause = 5 * time.Millisecond
			} else {
				pause = min(2*pause, time.Second)
			}
			select {
			case <-time.After(pause):
			case <-c.closing:
				return
			}
			continue
		}
		if pause != 0 {
			c.opts.Infof("control socket: accepting again")
			pause = 0
		}
		if err := checkPeer(conn); err != nil {
			c.opts.Warnf("control socket: refused a connection: %v", err)
			conn.Close()
			continue
		}
		c.mu.Lock()
		full := len(c.conns) >= MaxConns
		c.mu.Unlock()
		if full {
			c.refuse(conn)
			continue
		}
		c.serve(conn)
	}
}

// refuse tells a client past MaxConns why it is hung up on. What it sent is read
// and dropped before the close, which would otherwise reset the connection and lose the
// reason.
func (c *Server) refuse(conn net.Conn) {
	select {
	case c.refusing <- struct{}{}:
	default:
		conn.Close()
		return
	}
	go func() {
		defer func() { <-c.refusing }()
		defer conn.Close()
		msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":null,"error":{"code":%d,"message":"devrun serves at most %d control connections at once"}}`+"\n",
			childrpc.CodeBusy, MaxConns)
		conn.SetDeadline(time.Now().Add(time.Second))
		if _, err := conn.Write([]byte(msg)); err == nil {
			conn.(*net.UnixConn).CloseWrite()
			io.Copy(io.Discard, conn)
		}
	}()
}

func (c *Server) serve(nc net.Conn) {
	var conn *childrpc.Conn
	connSet := make(chan struct{})
	conn = childrpc.NewConn(nc, c.opts.Conn(func() *childrpc.Conn {
		<-connSet
		return conn
	}))
	close(connSet)
	c.mu.Lock()
	c.conns[conn] = struct{}{}
	c.mu.Unlock()
	go func() {
		<-conn.Done()
		c.mu.Lock()
		delete(c.conns, conn)
		c.mu.Unlock()
	}()
}

// Close stops accepting, hangs up on every client and removes the socket file.
func (c *Server) Close() error {
	close(c.closing)
	err := c.listener.Close()
	c.wg.Wait()
	c.mu.Lock()
	for conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
	os.Remove(c.path)
	return err
}
