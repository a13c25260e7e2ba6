//go:build unix

package runner

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Listen sockets reach every generation as fd 3 in the systemd form, with LISTEN_PID equal to
// the child's own pid (set by the exec shim), and the channel after them.
func TestListenSocketsReachEveryGeneration(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := newHarness(t, Config{
		Command: selfCommand(t), Env: modeEnv("listen"),
		Listeners: []*os.File{f}, ListenerNames: []string{"http"},
	})
	for gen := 0; gen < 2; gen++ {
		started := h.waitKind(Started)
		facts := map[string]string{}
		for _, kv := range h.waitLine("listen ")[1:] {
			k, v, _ := strings.Cut(kv, "=")
			facts[k] = v
		}
		want := map[string]string{
			"pid": strconv.Itoa(started.PID), "LISTEN_PID": strconv.Itoa(started.PID), "LISTEN_FDS": "1",
			"LISTEN_FDNAMES": "http", "DEVRUN_RPC_FD": "4", "shim": "false",
		}
		for k, v := range want {
			if facts[k] != v {
				t.Errorf("generation %d: %s=%q, want %q", gen+1, k, facts[k], v)
			}
		}
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		answer, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || strings.TrimSpace(answer) != strconv.Itoa(started.PID) {
			t.Fatalf("generation %d: the listener answered %q, %v", gen+1, answer, err)
		}
		if st := h.r.Status(); len(st.Listen) != 1 || st.Listen[0] != "http" {
			t.Fatalf("status %+v", st)
		}
		h.r.Restart("next")
	}
}
