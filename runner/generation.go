package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// generation is one start of the command: its process group and what the runner holds for it.
type generation struct {
	id      int
	grp     procGroup
	pid     int
	started time.Time

	conn      *childrpc.Conn
	stdinFeed *os.File // write end of its stdin pipe, nil with /dev/null
	notify    *notifySocket

	methods  []string // from devrun.hello
	reloads  []childrpc.ReloadRule
	ready    bool
	exited   bool // the leader was reaped
	stopSent bool // the runner signalled it: its exit is expected, whatever the status
	gone     bool // no process of its group is left

	grace, readyTimer stopper
}

// startGeneration starts the command once, with the child channel, stdio, listen sockets and
// (with Overlap) a NOTIFY_SOCKET.
func (s *supervisor) startGeneration() (_ *generation, err error) {
	cfg := s.cfg
	s.emit(Event{Kind: Starting, Command: cfg.Command})
	path, err := resolveProgram(cfg.Command[0], cfg.Dir, s.r.baseEnv)
	if err != nil {
		return nil, err
	}
	g := &generation{id: s.generations + 1}
	var cleanups []func()
	defer func() {
		if err != nil {
			for _, c := range cleanups {
				c()
			}
		}
	}()

	parentEnd, childEnd, err := channelPair()
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { parentEnd.Close() })
	defer closeFD(childEnd)

	stdin, feed, err := s.io.stdin()
	if err != nil {
		return nil, err
	}
	if feed != nil {
		g.stdinFeed = feed
		defer stdin.Close()
		cleanups = append(cleanups, func() { feed.Close() })
	}

	env := s.r.childEnv
	if len(s.changed) > 0 {
		env = append(env[:len(env):len(env)], childrpc.EnvChanged+"="+changedList(s.changed))
		s.changed = nil
	}
	if s.notifyDir != "" {
		if g.notify, err = openNotifySocket(s.notifyDir, g.id, func() { s.r.inbox.post(msgReady{g, "NOTIFY_SOCKET"}) }); err != nil {
			return nil, fmt.Errorf("NOTIFY_SOCKET: %w", err)
		}
		cleanups = append(cleanups, g.notify.close)
		env = append(env[:len(env):len(env)], envNotifySocket+"="+g.notify.path)
	}

	files := make([]uintptr, 0, 4+len(s.listenFDs))
	files = append(files, stdin.Fd(), s.io.outFD, s.io.errFD)
	files = append(files, s.listenFDs...)
	files = append(files, childEnd)
	spec := &procSpec{path: path, argv: cfg.Command, env: env, dir: cfg.Dir, files: files}
	if len(s.listenFDs) > 0 {
		if spec, err = viaShim(spec); err != nil {
			return nil, err
		}
	}
	grp, err := startGroup(spec,
		func(st exitStatus) { s.r.inbox.post(msgExited{g, st}) },
		func() { s.r.inbox.post(msgGone{g}) })
	if err != nil {
		return nil, err
	}
	g.grp, g.pid, g.started = grp, grp.pid, s.r.policy.now()
	g.conn = childrpc.NewConn(parentEnd, s.connOptions(g))
	s.generations++
	s.emit(Event{Kind: Started, PID: g.pid})
	return g, nil
}

// endChannel releases what the generation held once its leader is gone: pending calls fail at
// once (a grandchild may hold the child end open for a long time yet), and its stdin closes.
func (g *generation) endChannel() {
	if g.conn != nil {
		g.conn.Close()
	}
	if g.stdinFeed != nil {
		g.stdinFeed.Close()
	}
	if g.notify != nil {
		g.notify.close()
	}
	g.stopReadyTimer()
}

func (g *generation) stopReadyTimer() {
	if g.readyTimer != nil {
		g.readyTimer.Stop()
	}
}

// connOptions is the parent side of the child channel: the methods the child may call and the
// values it may send.
func (s *supervisor) connOptions(g *generation) childrpc.ConnOptions {
	post := s.r.inbox.post
	empty := struct{}{}
	handlers := map[string]childrpc.HandlerFunc{
		childrpc.MethodRestart: func(ctx context.Context, params json.RawMessage) (any, error) {
			var p childrpc.RestartParams
			if err := decodeParams(params, &p); err != nil {
				return nil, err
			}
			reason := "requested by the child"
			if p.Reason != "" {
				reason += ": " + p.Reason
			}
			post(msgRestart{reason: reason, fromChild: true})
			return empty, nil
		},
		childrpc.MethodReady: func(ctx context.Context, params json.RawMessage) (any, error) {
			post(msgReady{g, childrpc.MethodReady})
			return empty, nil
		},
		childrpc.MethodStatus: func(ctx context.Context, params json.RawMessage) (any, error) {
			return s.r.Status(), nil
		},
		childrpc.MethodHello: func(ctx context.Context, params json.RawMessage) (any, error) {
			var p childrpc.HelloParams
			if err := decodeParams(params, &p); err != nil {
				return nil, err
			}
			post(msgHello{g, p.Methods, p.Reloads})
			return nil, nil
		},
	}
	for name, h := range s.cfg.Handlers {
		handlers[name] = h
	}
	return childrpc.ConnOptions{
		Handlers: handlers,
		OnEvent: func(v json.RawMessage) {
			if string(bytes.TrimSpace(v)) == `"ready"` {
				post(msgReady{g, `"ready" message`})
				return
			}
			post(msgChildValue{g, append(json.RawMessage(nil), v...)})
		},
		Logf: func(format string, args ...any) {
			post(msgChannelLog{g, fmt.Sprintf(format, args...)})
		},
	}
}

func decodeParams(params json.RawMessage, v any) error {
	if len(params) == 0 {
		return nil
	}
	if err := json.Unmarshal(params, v); err != nil {
		return &childrpc.Error{Code: childrpc.CodeInvalidParams, Message: err.Error()}
	}
	return nil
}

// maxChanged bounds DEVRUN_CHANGED: a checkout that touches thousands of files must not
// make the environment too large to exec.
const maxChanged = 16 << 10

// changedList is the paths one a line, cut at a line boundary under maxChanged.
func changedList(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		if b.Len()+len(p)+1 > maxChanged {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p)
	}
	return b.String()
}

// appendNew adds the paths of more that list does not hold yet, up to what DEVRUN_CHANGED
// can carry: a checkout that touches 100,000 files keeps the list, and the time to build
// it, bounded.
func appendNew(list, more []string) []string {
	size := 0
	for _, p := range list {
		size += len(p) + 1
	}
	for _, p := range more {
		if size+len(p)+1 > maxChanged {
			break
		}
		if !slices.Contains(list, p) {
			list = append(list, p)
			size += len(p) + 1
		}
	}
	return list
}
