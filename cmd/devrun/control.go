package main

import (
	"context"
	"encoding/json"
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

// controlServer is this session's control socket: devrun ls/send/restart/stop/logs and
// childrpc.Dial talk to it. Each client gets its own Conn; a misbehaving client only ever
// loses its own connection.
type controlServer struct {
	ss       *session
	listener net.Listener
	path     string
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[*childrpc.Conn]struct{}
	closing  chan struct{} // closed by Close: stops the accept loop's pauses
	refusing chan struct{} // a slot per refusal in progress
}

// startControl claims <dir>/<name>.sock, making the name unique (app, app-2, ...) when another
// live devrun has it, and removing stale socket files nobody answers on.
func startControl(ss *session) (*controlServer, error) {
	dir, err := childrpc.SocketDir()
	if err != nil {
		return nil, err
	}
	base := ss.name
	for i := 1; i < 100; i++ {
		name := base
		if i > 1 {
			name = base + "-" + strconv.Itoa(i)
		}
		path := filepath.Join(dir, name+".sock")
		l, err := listenOwned(path)
		if errors.Is(err, syscall.EADDRINUSE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if name != base {
			ss.con.printf(levelWarn, "", "another devrun is called %q; this one is %q", base, name)
		}
		ss.name = name
		c := &controlServer{ss: ss, listener: l, path: path, conns: map[*childrpc.Conn]struct{}{}, closing: make(chan struct{}), refusing: make(chan struct{}, maxRefusing)}
		c.wg.Add(1)
		go c.accept()
		return c, nil
	}
	return nil, fmt.Errorf("no free name for %q in %s", base, dir)
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

// maxControlConns bounds the control connections served at once; a client past it is told
// so and hung up on. maxRefusing bounds the refusals in progress; past it a client is
// hung up on without a word.
const (
	maxControlConns = 128
	maxRefusing     = 8
)

// accept serves clients until the listener closes. A failed accept (EMFILE, say) is retried
// after a pause that grows from 5 ms to 1 s, and logged once for each spell of failures: one
// bad moment must not leave devrun deaf.
func (c *controlServer) accept() {
	defer c.wg.Done()
	var pause time.Duration
	for {
		conn, err := c.listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if pause == 0 {
				c.ss.con.printf(levelWarn, "", "control socket: accept: %v; retrying", err)
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
			c.ss.con.printf(levelInfo, "", "control socket: accepting again")
			pause = 0
		}
		if err := checkPeer(conn); err != nil {
			c.ss.con.printf(levelWarn, "", "control socket: refused a connection: %v", err)
			conn.Close()
			continue
		}
		c.mu.Lock()
		full := len(c.conns) >= maxControlConns
		c.mu.Unlock()
		if full {
			c.refuse(conn)
			continue
		}
		c.serve(conn)
	}
}

// refuse tells a client past maxControlConns why it is hung up on. What it sent is read
// and dropped before the close, which would otherwise reset the connection and lose the
// reason.
func (c *controlServer) refuse(conn net.Conn) {
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
			childrpc.CodeBusy, maxControlConns)
		conn.SetDeadline(time.Now().Add(time.Second))
		if _, err := conn.Write([]byte(msg)); err == nil {
			conn.(*net.UnixConn).CloseWrite()
			io.Copy(io.Discard, conn)
		}
	}()
}

func (c *controlServer) serve(nc net.Conn) {
	var conn *childrpc.Conn
	connSet := make(chan struct{}) // a handler may run before NewConn has returned conn
	handlers := map[string]childrpc.HandlerFunc{
		childrpc.MethodInfo:    func(context.Context, json.RawMessage) (any, error) { return c.ss.info(), nil },
		childrpc.MethodCall:    c.ss.handleCall,
		childrpc.MethodRestart: c.ss.handleRestart,
		childrpc.MethodStop: func(context.Context, json.RawMessage) (any, error) {
			c.ss.con.printf(levelInfo, "", "stop requested over the control socket")
			c.ss.stop()
			return "stopping", nil
		},
		childrpc.MethodLogs: func(ctx context.Context, params json.RawMessage) (any, error) {
			<-connSet
			return c.logs(ctx, conn, params)
		},
		childrpc.MethodEvents: func(_ context.Context, params json.RawMessage) (any, error) {
			<-connSet
			return c.ss.events.Serve(conn, params)
		},
	}
	conn = childrpc.NewConn(nc, childrpc.ConnOptions{
		Handlers: handlers,
		Fallback: func(ctx context.Context, method string, params json.RawMessage) (any, error) {
			if childrpc.IsNotification(ctx) {
				return nil, c.ss.calls.Notify(ctx, method, params)
			}
			return c.ss.calls.Call(ctx, "", "", method, params, childrpc.DefaultCallTimeout)
		},
		Logf: func(format string, args ...any) {
			c.ss.con.printf(levelDetail, "", "control client: "+format, args...)
		},
	})
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

// logs sends the backlog as devrun.log notifications, one line each (a big backlog never
// makes one message over the line limit), then answers how many it sent; a follower then
// gets each new line the same way until it hangs up.
func (c *controlServer) logs(ctx context.Context, conn *childrpc.Conn, params json.RawMessage) (any, error) {
	var p childrpc.LogsParams
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: childrpc.MethodLogs + ": " + err.Error()}
		}
	}
	n := 100
	if p.Lines != nil {
		n = max(*p.Lines, 0)
	}
	var backlog []logLine
	var lines <-chan logLine
	unfollow := func() {}
	if p.Follow {
		backlog, lines, unfollow = c.ss.logs.Follow(n)
	} else {
		backlog = c.ss.logs.Last(n)
	}
	for _, l := range backlog {
		if err := conn.Notify(ctx, childrpc.MethodLog, l); err != nil {
			unfollow()
			return nil, err
		}
	}
	if p.Follow {
		go func() {
			defer unfollow()
			for {
				select {
				case l := <-lines:
					if err := conn.Notify(context.Background(), childrpc.MethodLog, l); err != nil {
						return
					}
				case <-conn.Done():
					return
				}
			}
		}()
	}
	return childrpc.LogsResult{Lines: len(backlog)}, nil
}

// Close stops accepting, hangs up on every client and removes the socket file.
func (c *controlServer) Close() error {
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
