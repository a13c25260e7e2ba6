package childrpc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// flood sends up to total bytes of bad lines (not JSON, each answered -32700, and now and
// then one over the line limit) to a Go child serving its channel, reading the answers
// or not, and returns what it sent and the child's peak RSS once its channel closed.
func flood(t testing.TB, total int64, read bool) (sent int64, peakKB int) {
	parentEnd, childEnd := socketPair(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append(childEnv("flood-target"),
		fmt.Sprintf("%s=3", EnvRPCFD), EnvProtocol+"=1", EnvProcess+"=flood")...)
	cmd.ExtraFiles = []*os.File{childEnd}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &testWriter{t: t, prefix: "flood child"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	childEnd.Close()
	nc := fileConn(t, parentEnd)
	if read {
		go io.Copy(io.Discard, nc)
	}
	var chunk []byte
	for len(chunk) < 1<<20 {
		chunk = append(chunk, strings.Repeat("x", 4095)+"\n"+`{"jsonrpc":"2.0"}`+"\n"...)
	}
	// Every 64 MB, a response with a 9 MB id (valid, logged cut); every 256 MB, a line over
	// the 16 MiB limit.
	hugeID := []byte(`{"jsonrpc":"2.0","id":"` + strings.Repeat("i", 9<<20) + `","result":1}` + "\n")
	oversize := append(bytes.Repeat([]byte("y"), 17<<20), '\n')
	for sent < total {
		msg := chunk
		switch {
		case sent%(256<<20) < 1<<20:
			msg = oversize
		case sent%(64<<20) < 1<<20:
			msg = hugeID
		}
		n, err := nc.Write(msg)
		sent += int64(n)
		if err != nil {
			break // the child hung up on a peer that does not read
		}
	}
	nc.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("flood child: %v: %s", err, out.String())
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		fmt.Sscanf(sc.Text(), "peak-rss-kb %d", &peakKB)
	}
	if peakKB == 0 {
		t.Fatalf("the flood child reported no peak RSS: %s", out.String())
	}
	return sent, peakKB
}

// TestFloodMemoryBounded: a peer that floods bad lines and never reads costs a bounded
// amount of memory, and is hung up on.
func TestFloodMemoryBounded(t *testing.T) {
	sent, peakKB := flood(t, 1<<30, false)
	t.Logf("sent %d MB before the hang-up; peak RSS %d KB", sent>>20, peakKB)
	if peakKB > 50<<10 && !raceEnabled {
		t.Fatalf("peak RSS %d KB under a flood, over 50 MB", peakKB)
	}
	if sent >= 1<<30 {
		t.Fatal("the child never hung up on a peer that does not read")
	}
	sent, peakKB = flood(t, 300<<20, true)
	t.Logf("a peer that reads: sent %d MB; peak RSS %d KB", sent>>20, peakKB)
	if sent < 300<<20 || (peakKB > 128<<10 && !raceEnabled) { // 16 MiB lines are legitimate here
		t.Fatalf("a peer that reads its error answers: sent %d MB of 300, peak RSS %d KB", sent>>20, peakKB)
	}
}

// BenchmarkFloodRSS reports the peak RSS of a Go child that gets 1 GB of bad lines from
// a peer that reads the answers (the whole flood goes through) and from one that never
// reads (hung up on).
func BenchmarkFloodRSS(b *testing.B) {
	for _, read := range []bool{true, false} {
		b.Run(map[bool]string{true: "reads", false: "never-reads"}[read], func(b *testing.B) {
			var sent int64
			var peak int
			for range b.N {
				sent, peak = flood(b, 1<<30, read)
			}
			b.ReportMetric(float64(peak)/1024, "MB-peak-RSS")
			b.ReportMetric(float64(sent)/(1<<20), "MB-sent")
		})
	}
}
