//go:build unix

package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tell writes word to the control FIFO of the overlap-mode child pid (blocking until it reads).
func tell(t *testing.T, dir string, pid int, word string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(pid)), []byte(word), 0o600); err != nil {
		t.Fatal(err)
	}
}

// With Overlap the old generation serves until the new one is ready, whichever way it says so.
func TestOverlapStopsTheOldOneWhenTheNewOneIsReady(t *testing.T) {
	t.Parallel()
	fifos := t.TempDir()
	h := newHarness(t, Config{
		Command: selfCommand(t), Env: modeEnv("overlap", envFIFODir+"="+fifos),
		Overlap: true, ReadyTimeout: time.Hour,
	})
	old := atoi(t, h.waitLine("start ")[1])
	for _, how := range []string{"notify", "channel", "rpc"} {
		h.r.Restart(how)
		next := atoi(t, h.waitLine("start ")[1])
		requireAlive(t, old)
		if st := h.r.Status(); st.PID != old || st.State != StateStarting {
			t.Fatalf("%s: status %+v while the new one is not ready", how, st)
		}
		if i := h.indexOf(func(e Event) bool { return e.Kind == Stopping && e.PID == old }); i >= 0 {
			t.Fatalf("%s: the old one was stopped before the new one was ready: %v", how, h.kinds())
		}
		tell(t, fifos, next, how)
		ready := h.waitPID(Ready, next)
		h.waitPID(Stopping, old)
		h.waitPID(Exited, old)
		if st := h.r.Status(); st.PID != next || !st.Ready {
			t.Fatalf("%s: status %+v after the swap (ready via %q)", how, st, ready.Reason)
		}
		old = next
	}

	// A new generation that crashes before it is ready leaves the old one serving.
	h.r.Restart("crash")
	crasher := atoi(t, h.waitLine("start ")[1])
	tell(t, fifos, crasher, "crash")
	nr := h.waitKind(NotReady)
	if want := "exited with code 5 before it was ready; still running pid " + strconv.Itoa(old); !strings.HasSuffix(nr.String(), want) {
		t.Fatalf("not ready says %q", nr)
	}
	requireAlive(t, old)
	if st := h.r.Status(); st.PID != old || st.State != StateRunning {
		t.Fatalf("status %+v", st)
	}
}

// Serial: the new generation must say it started within the 300 ms ready timeout.
func TestOverlapKeepsTheOldOneWhenTheNewOneIsNeverReady(t *testing.T) {
	fifos := t.TempDir()
	h := newHarness(t, Config{
		Command: selfCommand(t), Env: modeEnv("overlap", envFIFODir+"="+fifos),
		Overlap: true, ReadyTimeout: 300 * time.Millisecond,
	})
	old := atoi(t, h.waitLine("start ")[1])
	h.r.Restart("slow")
	slow := atoi(t, h.waitLine("start ")[1])
	nr := h.waitKind(NotReady)
	if want := "was not ready after 300ms; still running pid " + strconv.Itoa(old); !strings.HasSuffix(nr.String(), want) {
		t.Fatalf("not ready says %q", nr)
	}
	h.waitPID(Exited, slow)
	requireAlive(t, old)
	if st := h.r.Status(); st.PID != old || st.State != StateRunning {
		t.Fatalf("status %+v", st)
	}
}
