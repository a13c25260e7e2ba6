//go:build unix

package runner

import (
	"os/exec"
	"syscall"
	"testing"
)

// benchChild is a small program that runs until SIGTERM: sleep(1), or the test binary.
func benchChild(b *testing.B) []string {
	if p, err := exec.LookPath("sleep"); err == nil {
		return []string{p, "1000"}
	}
	return append(selfCommand(b), "-test.run=^$") // no tests, then exits: only as a fallback
}

// BenchmarkRestart: Restart until the new generation has started (SIGTERM to the old group,
// wait until the group is gone, fork+exec the new one). Compare with BenchmarkStartDirect.
func BenchmarkRestart(b *testing.B) {
	h := newHarness(b, Config{Command: benchChild(b)})
	h.waitKind(Started)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.r.Restart("bench")
		h.waitKind(Started)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	h.stop()
}

// BenchmarkStartDirect is the reference: the same child stopped and started with os/exec.
func BenchmarkStartDirect(b *testing.B) {
	argv := benchChild(b)
	start := func() *exec.Cmd {
		cmd := exec.Command(argv[0], argv[1:]...)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		return cmd
	}
	cmd := start()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		cmd = start()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	cmd.Process.Kill()
	cmd.Wait()
}
