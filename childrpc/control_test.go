//go:build unix

package childrpc

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeDevrun serves a control socket the way internal/control will: devrun.info, and
// any other method as the child would answer it. It stops when the test ends.
func fakeDevrun(t *testing.T, dir, name string) net.Listener {
	t.Helper()
	l, err := net.Listen("unix", filepath.Join(dir, name+".sock"))
	if err != nil {
		t.Fatal(err)
	}
	info := Info{Name: name, PID: os.Getpid(), Dir: "/src/" + name, Command: []string{"devrun", "./" + name},
		Started:   time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Processes: []ProcessInfo{{Name: name, PID: 4242, State: "running", Methods: []string{"reload"}, Listen: []string{":8080"}}}}
	handlers := map[string]HandlerFunc{
		"devrun.info": TypedHandler(func(ctx context.Context, _ struct{}) (Info, error) { return info, nil }),
		"reload":      TypedHandler(func(ctx context.Context, _ struct{}) (string, error) { return "reloaded " + name, nil }),
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			NewConn(c, ConnOptions{Handlers: handlers})
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l
}

// staleSocket leaves a socket file nobody listens on, as a devrun killed by SIGKILL does.
func staleSocket(t *testing.T, dir, name string) string {
	path := filepath.Join(dir, name+".sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	return path
}

func runtimeDir(t *testing.T) string {
	x := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", x)
	dir, err := SocketDir()
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(x, "devrun") {
		t.Fatalf("SocketDir %s with XDG_RUNTIME_DIR=%s", dir, x)
	}
	return dir
}

func TestSocketDir(t *testing.T) {
	dir := runtimeDir(t)
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("socket folder mode: %v %v", fi.Mode(), err)
	}

	os.Chmod(dir, 0o755)
	if _, err := SocketDir(); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Fatalf("a folder open to others: %v", err)
	}
	os.Chmod(dir, 0o700)

	t.Run("no XDG_RUNTIME_DIR", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("XDG_RUNTIME_DIR", "")
		t.Setenv("TMPDIR", tmp)
		dir, err := SocketDir()
		if err != nil || dir != filepath.Join(tmp, "devrun-"+strconv.Itoa(os.Getuid())) {
			t.Fatalf("got %s, %v", dir, err)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		x := t.TempDir()
		t.Setenv("XDG_RUNTIME_DIR", x)
		os.Symlink(t.TempDir(), filepath.Join(x, "devrun"))
		if _, err := SocketDir(); err == nil || !strings.Contains(err.Error(), "not a folder") {
			t.Fatalf("a symlink: %v", err)
		}
	})
	t.Run("owned by someone else", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("needs root to give a folder to another user")
		}
		x := t.TempDir()
		t.Setenv("XDG_RUNTIME_DIR", x)
		os.Mkdir(filepath.Join(x, "devrun"), 0o700)
		if err := os.Chown(filepath.Join(x, "devrun"), 65534, 65534); err != nil {
			t.Skipf("chown: %v", err)
		}
		if _, err := SocketDir(); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Fatalf("a folder of another user: %v", err)
		}
	})
}

func TestInstances(t *testing.T) {
	dir := runtimeDir(t)
	ctx := context.Background()
	if infos, err := Instances(ctx); err != nil || len(infos) != 0 {
		t.Fatalf("none running: %v, %v", infos, err)
	}
	fakeDevrun(t, dir, "web")
	fakeDevrun(t, dir, "api")
	stale := staleSocket(t, dir, "dead")
	infos, err := Instances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Name != "api" || infos[1].Name != "web" {
		t.Fatalf("instances: %+v", infos)
	}
	p := infos[1].Processes
	if infos[1].Dir != "/src/web" || len(p) != 1 || p[0].PID != 4242 || p[0].Methods[0] != "reload" || !infos[1].Started.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("info: %+v", infos[1])
	}
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Fatalf("the stale socket file was not removed: %v", err)
	}
}

func TestDial(t *testing.T) {
	dir := runtimeDir(t)
	ctx := context.Background()
	if _, err := Dial(ctx, ""); err == nil || !strings.Contains(err.Error(), "no devrun is running") {
		t.Fatalf("none running: %v", err)
	}
	web := fakeDevrun(t, dir, "web")
	fakeDevrun(t, dir, "api")
	staleSocket(t, dir, "dead")

	if _, err := Dial(ctx, ""); err == nil || !strings.Contains(err.Error(), "api, web") {
		t.Fatalf("two running, no name: %v", err)
	}
	if _, err := Dial(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `no devrun named "nope"`) || !strings.Contains(err.Error(), "running: api, web") {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := Dial(ctx, "../x"); err == nil {
		t.Fatal("a name with a slash must be refused")
	}
	conn, err := Dial(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := conn.Call(ctx, "reload", nil, &got); err != nil || got != "reloaded web" {
		t.Fatalf("forwarded call: %q, %v", got, err)
	}
	conn.Close()

	web.Close()
	conn, err = Dial(ctx, "")
	if err != nil {
		t.Fatalf("one running: %v", err)
	}
	defer conn.Close()
	if err := conn.Call(ctx, "reload", nil, &got); err != nil || got != "reloaded api" {
		t.Fatalf("the only one: %q, %v", got, err)
	}
	if err := conn.Call(ctx, "missing", nil, nil); !errors.As(err, new(*Error)) {
		t.Fatalf("error answers come back as *Error: %v", err)
	}
}
