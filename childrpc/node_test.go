//go:build unix

package childrpc

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nodeChild is a Node program using nothing but process.on('message') and
// process.send, as the README promises Node children can.
const nodeChild = `
process.on('message', (m) => {
  if (m && m.method === 'double') {
    process.send({jsonrpc: '2.0', id: m.id, result: m.params.n * 2});
  } else if (m && m.method === 'sendHandle') {
    // A handle cannot cross devrun's channel: devrun must answer NODE_HANDLE_NACK,
    // or Node holds every later message back, this answer included.
    const srv = require('net').createServer();
    srv.listen(0, '127.0.0.1', () => {
      process.send({carried: 'a server'}, srv);
      process.send({jsonrpc: '2.0', id: m.id, result: 'sent'});
    });
  } else if (m && m.id === 'from-node' && 'result' in m) {
    process.send({jsonrpc: '2.0', method: 'node.gotResult', params: [m.result]});
  }
});
process.on('disconnect', () => process.exit(0));
process.send({jsonrpc: '2.0', id: 'from-node', method: 'parent.add1', params: {n: 41}});
process.send('ready');
`

// lookPathOrSkip finds a program the test needs, or skips saying which.
func lookPathOrSkip(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not on PATH, so this test cannot run a real %s child: %v", name, name, err)
	}
	return path
}

// nodeEnv is what devrun adds for a Node target: Node's own channel on the same fd.
func nodeEnv(fd int) []string {
	return []string{"NODE_CHANNEL_FD=" + itoa(fd), "NODE_CHANNEL_SERIALIZATION_MODE=json"}
}

func TestNodeChildRoundTrips(t *testing.T) {
	node := lookPathOrSkip(t, "node")
	script := filepath.Join(t.TempDir(), "child.js")
	if err := os.WriteFile(script, []byte(nodeChild), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	gotResult := make(chan int, 1)
	opts := rec.options(map[string]HandlerFunc{
		"parent.add1": TypedHandler(func(ctx context.Context, p struct{ N int }) (int, error) { return p.N + 1, nil }),
		"node.gotResult": TypedHandler(func(ctx context.Context, n []int) (struct{}, error) {
			gotResult <- n[0]
			return struct{}{}, nil
		}),
	})
	conn, cmd := startProcess(t, []string{node, script}, opts, nil, nodeEnv(3)...)
	ctx := context.Background()

	if ev := rec.waitEvent(t); ev != `"ready"` {
		t.Fatalf("first event %s, want \"ready\"", ev)
	}
	if n := receive(t, gotResult, "node's call to the parent"); n != 42 {
		t.Fatalf("node -> parent -> node: got %d", n)
	}
	var doubled int
	if err := conn.Call(ctx, "double", map[string]int{"n": 21}, &doubled); err != nil || doubled != 42 {
		t.Fatalf("parent -> node: %d, %v", doubled, err)
	}
	var sent string
	if err := conn.Call(ctx, "sendHandle", nil, &sent); err != nil || sent != "sent" {
		t.Fatalf("after Node sent a handle: %q, %v", sent, err)
	}
	if err := conn.Call(ctx, "double", map[string]int{"n": 2}, &doubled); err != nil || doubled != 4 {
		t.Fatalf("node still answers: %d, %v", doubled, err)
	}
	select {
	case ev := <-rec.events:
		t.Fatalf("Node's internal messages must not be events: %s", ev)
	default:
	}
	conn.Close()
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		errors.As(err, &exit)
		t.Fatalf("node after the channel closed: %v", err)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
