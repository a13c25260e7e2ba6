//go:build unix

package childrpc

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestSplitListenSpec(t *testing.T) {
	cases := []struct{ spec, name, network, address string }{
		{"web=:8080", "web", "tcp", ":8080"},
		{":8080", "", "tcp", ":8080"},
		{"8080", "", "tcp", ":8080"},
		{"localhost:3000", "", "tcp", "localhost:3000"},
		{"api=unix:/run/x.sock", "api", "unix", "/run/x.sock"},
		{"/tmp/a=b.sock", "", "unix", "/tmp/a=b.sock"},
		{"./app.sock", "", "unix", "./app.sock"},
		{"web", "web", "", ""},
		{"tmp/app.sock", "", "unix", "tmp/app.sock"},
		{"unix:app.sock", "", "unix", "app.sock"},
	}
	for _, tc := range cases {
		ls, err := ParseListenSpec(tc.spec)
		if err != nil || ls.Name != tc.name || ls.Network != tc.network || ls.Address != tc.address {
			t.Errorf("%q: got %+v, %v", tc.spec, ls, err)
		}
		if again, err := ParseListenSpec(ls.String()); err != nil || again != ls {
			t.Errorf("%q: String() = %q reads back as %+v, %v", tc.spec, ls.String(), again, err)
		}
	}
}

func TestAddressMatches(t *testing.T) {
	tcp := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	cases := []struct {
		address string
		want    bool
	}{
		{":8080", true}, {"127.0.0.1:8080", true}, {"localhost:8080", true},
		{":8081", false}, {"10.0.0.1:8080", false}, {":0", false},
	}
	for _, tc := range cases {
		if got := addressMatches(tcp, "tcp", tc.address); got != tc.want {
			t.Errorf("%s: got %v", tc.address, got)
		}
	}
	unix := &net.UnixAddr{Name: "/run/a.sock", Net: "unix"}
	if !addressMatches(unix, "unix", "/run/./a.sock") || addressMatches(unix, "unix", "/run/b.sock") || addressMatches(unix, "tcp", ":80") {
		t.Error("unix address matching")
	}
}

// Outside devrun, Listener listens itself, and replaces a stale Unix socket file.
func TestListenerFallback(t *testing.T) {
	l, err := Listener("web=127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()

	path := filepath.Join(t.TempDir(), "app.sock")
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close() // the file stays, as after a crash
	l, err = Listener("unix:" + path)
	if err != nil {
		t.Fatalf("over a stale socket file: %v", err)
	}
	defer l.Close()
	if _, err := Listener(path); err == nil {
		t.Fatal("a socket in use must not be replaced")
	}
	if _, err := Listener("web"); err == nil {
		t.Fatal("a name alone, with nothing inherited, must fail")
	}
}

// A child under devrun gets the held socket (systemd socket activation) and the
// LISTEN_* variables are gone afterwards.
func TestListenerInherited(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	f, err := held.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	for _, tc := range []struct {
		name, spec, pid string
		inherited       bool
	}{
		{"by name", "web=127.0.0.1:0", "", true},
		{"by address", held.Addr().String(), "", true},
		{"the only one", ":1", "", true},
		{"LISTEN_PID of another process", "127.0.0.1:0", "1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=web"}
			if tc.pid != "" {
				env = append(env, "LISTEN_PID="+tc.pid)
			}
			_, handlers := newParentSide(t)
			conn, cmd := startChild(t, "child", ConnOptions{Handlers: handlers}, []*os.File{f}, env...)
			var addr string
			if err := conn.Call(context.Background(), "listen", map[string]string{"Spec": tc.spec}, &addr); err != nil {
				t.Fatal(err)
			}
			if got := addr == held.Addr().String(); got != tc.inherited {
				t.Fatalf("child listens on %s, devrun holds %s", addr, held.Addr())
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			greeting, _ := io.ReadAll(c)
			if string(greeting) != "served by "+strconv.Itoa(cmd.Process.Pid) {
				t.Fatalf("greeting %q", greeting)
			}
			var env2 map[string]string
			if err := conn.Call(context.Background(), "env", nil, &env2); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PID"} {
				if v, ok := env2[k]; ok {
					t.Errorf("%s=%s left in the child's environment", k, v)
				}
			}
		})
	}
}
