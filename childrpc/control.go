package childrpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// socketSuffix ends every control socket's file name: <dir>/<name>.sock.
const socketSuffix = ".sock"

// infoTimeout bounds how long Instances waits for one devrun that accepted the
// connection but does not answer (stuck): it is then left out, not removed.
const infoTimeout = 2 * time.Second

// Dial connects to the control socket of the running devrun called name (see `devrun
// ls`), or, with name "", to the only one running. The Conn speaks the methods of the
// control socket (devrun.info, devrun.call, devrun.restart, devrun.stop, devrun.logs);
// any other method is forwarded to the child, so that
//
//	conn, err := childrpc.Dial(ctx, "")
//	err = conn.Call(ctx, "reload", nil, &result)
//
// reaches the child's "reload" handler. Close the Conn when done.
func Dial(ctx context.Context, name string) (*Conn, error) {
	return DialWith(ctx, name, ConnOptions{})
}

// DialWith is Dial with options for the Conn: Handlers receive devrun's notifications
// (devrun.log while following logs), Logf its channel problems.
func DialWith(ctx context.Context, name string, opts ConnOptions) (*Conn, error) {
	dir, err := SocketDir()
	if err != nil {
		return nil, err
	}
	if name != "" {
		if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
			return nil, fmt.Errorf("childrpc: %q is not a devrun name", name)
		}
		nc, err := dialControl(ctx, filepath.Join(dir, name+socketSuffix))
		if err != nil {
			if errors.Is(err, errNotRunning) {
				return nil, fmt.Errorf("childrpc: no devrun named %q is running%s", name, runningList(dir))
			}
			return nil, err
		}
		return NewConn(nc, opts), nil
	}

	var live []net.Conn
	var names []string
	for _, path := range socketFiles(dir) {
		nc, err := dialControl(ctx, path)
		if err != nil {
			continue
		}
		live = append(live, nc)
		names = append(names, socketName(path))
	}
	switch len(live) {
	case 0:
		return nil, fmt.Errorf("childrpc: no devrun is running (no live socket in %s)", dir)
	case 1:
		return NewConn(live[0], opts), nil
	}
	for _, nc := range live {
		nc.Close()
	}
	return nil, fmt.Errorf("childrpc: %d devruns are running (%s): name one", len(live), strings.Join(names, ", "))
}

// Instances lists the running devruns of this user, sorted by name, asking each for
// devrun.info. Socket files nobody listens on any more (a devrun that was killed) are
// removed on the way; a devrun that does not answer is left out.
func Instances(ctx context.Context) ([]Info, error) {
	dir, err := SocketDir()
	if err != nil {
		return nil, err
	}
	var infos []Info
	for _, path := range socketFiles(dir) {
		nc, err := dialControl(ctx, path)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		info, err := askInfo(ctx, NewConn(nc, ConnOptions{}))
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		if info.Name == "" {
			info.Name = socketName(path)
		}
		infos = append(infos, info)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	return infos, nil
}

func askInfo(ctx context.Context, conn *Conn) (Info, error) {
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, infoTimeout)
	defer cancel()
	var info Info
	err := conn.Call(ctx, MethodInfo, struct{}{}, &info)
	return info, err
}

// errNotRunning marks a socket file without a listener.
var errNotRunning = errors.New("not running")

// dialControl connects to one control socket, removing it when it is stale.
func dialControl(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		return nc, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNotRunning
	}
	if isRefused(err) {
		if fi, statErr := os.Lstat(path); statErr == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(path) // left by a devrun that did not get to clean up
		}
		return nil, errNotRunning
	}
	return nil, fmt.Errorf("childrpc: connecting to %s: %w", path, err)
}

// socketFiles lists <dir>/*.sock, sorted.
func socketFiles(dir string) []string {
	paths, _ := filepath.Glob(filepath.Join(globEscape(dir), "*"+socketSuffix))
	sort.Strings(paths)
	return paths
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func socketName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), socketSuffix)
}

// runningList names the live sockets, for an error about a name that is not there.
func runningList(dir string) string {
	var names []string
	for _, path := range socketFiles(dir) {
		if nc, err := dialControl(context.Background(), path); err == nil {
			nc.Close()
			names = append(names, socketName(path))
		}
	}
	if len(names) == 0 {
		return " (none is running)"
	}
	return " (running: " + strings.Join(names, ", ") + ")"
}
