package session

import (
	"net"
	"testing"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// TestEventRingAndSlowFollower: devrun keeps only the last keptEvents, and a follower that
// stops reading is disconnected instead of being buffered for.
func TestEventRingAndSlowFollower(t *testing.T) {
	l := NewEventLog(func() string { return "ring" }, NewLogs(10))
	server, peer := net.Pipe() // synchronous: a write blocks until the peer reads, and it never does
	defer peer.Close()
	conn := childrpc.NewConn(server, childrpc.ConnOptions{})
	defer conn.Close()
	if _, err := l.Serve(conn, []byte(`{"since":-1,"follow":true}`)); err != nil {
		t.Fatal(err)
	}
	n := max(keptEvents, followBuffer) + 50
	for i := 0; i < n; i++ {
		l.add(childrpc.Event{Kind: childrpc.EventStarted, Message: "started"})
	}
	select {
	case <-conn.Done():
	case <-time.After(30 * time.Second):
		t.Fatalf("a follower that does not read is still connected after %d events", n)
	}
	kept := l.Events(0)
	if len(kept) != keptEvents || kept[0].Seq != int64(n-keptEvents+1) || kept[len(kept)-1].Seq != int64(n) {
		t.Fatalf("kept %d events, seq %d to %d; want the last %d", len(kept), kept[0].Seq, kept[len(kept)-1].Seq, keptEvents)
	}
	if after := l.Events(int64(n - 10)); len(after) != 10 || after[0].Seq != int64(n-9) {
		t.Fatalf("events after n-10: %d, first %d", len(after), after[0].Seq)
	}
}
