package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
		c := &controlServer{ss: ss, listener: l, path: path, conns: map[*childrpc.Conn]struct{}{}}
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

func (c *controlServer) accept() {
	defer c.wg.Done()
	for {
		conn, err := c.listener.Accept()
		if err != nil {
			return
		}
		if err := checkPeer(conn); err != nil {
			c.ss.con.printf(levelWarn, "", "control socket: refused a connection: %v", err)
			conn.Close()
			continue
		}
		c.serve(conn)
	}
}

func (c *controlServer) serve(nc net.Conn) {
	var conn *childrpc.Conn
	connSet := make(chan struct{}) // a handler may run before NewConn has returned conn
	handlers := map[string]childrpc.HandlerFunc{
		"devrun.info":    func(context.Context, json.RawMessage) (any, error) { return c.ss.info(), nil },
		"devrun.call":    c.ss.handleCall,
		"devrun.restart": c.ss.handleRestart,
		"devrun.stop": func(context.Context, json.RawMessage) (any, error) {
			c.ss.con.printf(levelInfo, "", "stop requested over the control socket")
			c.ss.stop()
			return "stopping", nil
		},
		"devrun.logs": func(ctx context.Context, params json.RawMessage) (any, error) {
			<-connSet
			return c.logs(conn, params)
		},
		childrpc.MethodEvents: func(_ context.Context, params json.RawMessage) (any, error) {
			<-connSet
			return c.ss.events.serve(conn, params)
		},
	}
	conn = childrpc.NewConn(nc, childrpc.ConnOptions{
		Handlers: handlers,
		Fallback: func(ctx context.Context, method string, params json.RawMessage) (any, error) {
			return c.ss.call(ctx, "", "", method, params)
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

type logsParams struct {
	Lines  *int `json:"lines"`
	Follow bool `json:"follow"`
}

// logs answers with the backlog; a follower then gets each new line as a devrun.log
// notification until it hangs up.
func (c *controlServer) logs(conn *childrpc.Conn, params json.RawMessage) (any, error) {
	var p logsParams
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: "devrun.logs: " + err.Error()}
		}
	}
	n := 100
	if p.Lines != nil {
		n = max(*p.Lines, 0)
	}
	if !p.Follow {
		return c.ss.logs.last(n), nil
	}
	backlog, lines, unfollow := c.ss.logs.follow(n)
	go func() {
		defer unfollow()
		for {
			select {
			case l := <-lines:
				if err := conn.Notify(context.Background(), "devrun.log", l); err != nil {
					return
				}
			case <-conn.Done():
				return
			}
		}
	}()
	return backlog, nil
}

// Close stops accepting, hangs up on every client and removes the socket file.
func (c *controlServer) Close() error {
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
