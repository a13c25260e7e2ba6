package terminal

import (
	"bytes"
	"testing"
)

// TestStreamMarkSplitAcrossReads: a mark that arrives in two reads is still taken out, and
// what the program wrote around it passes on whole and in order.
func TestStreamMarkSplitAcrossReads(t *testing.T) {
	for cut := 1; cut < len(streamMark); cut++ {
		var dst bytes.Buffer
		s := &outputStream{dst: &dst}
		ch := make(chan struct{})
		s.waiting = []chan struct{}{ch}
		held := s.pass([]byte("before\x1b[1m" + streamMark[:cut]))
		held = s.pass(append(held, streamMark[cut:]+"after"...))
		if len(held) != 0 || dst.String() != "before\x1b[1mafter" {
			t.Fatalf("cut at %d: passed %q, held %q", cut, dst.String(), held)
		}
		select {
		case <-ch:
		default:
			t.Fatalf("cut at %d: the waiter was not released", cut)
		}
	}
}

// TestStreamPassesEscapesUntouched: with no mark on its way nothing is looked for or held,
// even what looks like the start of one.
func TestStreamPassesEscapesUntouched(t *testing.T) {
	var dst bytes.Buffer
	s := &outputStream{dst: &dst}
	if held := s.pass([]byte("prompt \x1b_dev")); len(held) != 0 || dst.String() != "prompt \x1b_dev" {
		t.Fatalf("passed %q, held %q", dst.String(), held)
	}
}
