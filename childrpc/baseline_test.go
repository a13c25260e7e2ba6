//go:build unix

package childrpc

import (
	"bufio"
	"net"
	"os"
	"sync"
	"testing"
)

// The plain alternatives the process round trip is measured against, in the same run:
// the same two processes echoing one line with no JSON-RPC at all, either on one
// goroutine per side (direct: what the machine's cross-process wake-ups cost) or with
// the two hand-offs Conn's design has (handoff: a reading goroutine passes each line to
// a new goroutine that writes the answer, and the caller's answer reaches it through a
// channel from the parent's reading goroutine). Conn's figure minus the handoff figure is
// what JSON-RPC itself costs; handoff minus direct is the price of the design on this
// machine.

// runBareEcho is the child of those benchmarks.
func runBareEcho(handoff bool) int {
	rwc, err := openFD(3)
	if err != nil {
		return 1
	}
	br := bufio.NewReader(rwc)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			return 0
		}
		if handoff {
			go rwc.Write(line)
		} else {
			rwc.Write(line)
		}
	}
}

func BenchmarkRoundTripProcessBareDirect(b *testing.B)  { benchBareEcho(b, false) }
func BenchmarkRoundTripProcessBareHandoff(b *testing.B) { benchBareEcho(b, true) }

func benchBareEcho(b *testing.B, handoff bool) {
	mode := "bare-echo-direct"
	if handoff {
		mode = "bare-echo-handoff"
	}
	conn, _ := spawn(b, []string{os.Args[0]}, nil, childEnv(mode)...)
	b.Cleanup(func() { conn.Close() })
	br := bufio.NewReader(conn)
	answers := make(chan []byte)
	if handoff {
		go func() {
			for {
				line, err := br.ReadBytes('\n')
				if err != nil {
					close(answers)
					return
				}
				answers <- line
			}
		}()
	}
	roundTrip := func(msg []byte) {
		if _, err := conn.Write(msg); err != nil {
			b.Fatal(err)
		}
		var err error
		if handoff {
			if _, ok := <-answers; !ok {
				err = net.ErrClosed
			}
		} else {
			_, err = br.ReadBytes('\n')
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	msg := []byte(`{"jsonrpc":"2.0","id":1,"method":"echo","params":{"N":1}}` + "\n")
	roundTrip(msg) // the child is up
	timeCalls(b, nil, func(int) { roundTrip(msg) })
}

// BenchmarkRoundTripProcessBareHandoffParallel8 is BenchmarkRoundTripProcessBareHandoff
// with 8 concurrent callers: each line is a caller's number, which the parent's reading
// goroutine uses to hand the echo to the caller waiting for it.
func BenchmarkRoundTripProcessBareHandoffParallel8(b *testing.B) {
	const callers = 8
	conn, _ := spawn(b, []string{os.Args[0]}, nil, childEnv("bare-echo-handoff")...)
	b.Cleanup(func() { conn.Close() })
	var answers [callers]chan struct{}
	for i := range answers {
		answers[i] = make(chan struct{}, 1)
	}
	go func() {
		br := bufio.NewReader(conn)
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				return
			}
			answers[line[0]-'0'] <- struct{}{}
		}
	}()
	var writeMu sync.Mutex
	callParallel(b, callers, func(g, _ int) error {
		writeMu.Lock()
		_, err := conn.Write([]byte{byte('0' + g), '\n'})
		writeMu.Unlock()
		if err == nil {
			<-answers[g]
		}
		return err
	})
}
