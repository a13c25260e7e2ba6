package session

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/devrun-dev/devrun/childrpc"
)

// A program that binds a port someone else holds says so in its own words: Go "listen tcp
// :8080: bind: address already in use", Node "listen EADDRINUSE: address already in use
// :::8080", Python "[Errno 98] Address already in use" (no port: nothing to look up then).
var portInLine = regexp.MustCompile(`:(\d{1,5})\b`)

// portInUse finds the port of an "address already in use" line; ok is false for any other
// line, port 0 when the line names none.
func portInUse(line string) (port int, ok bool) {
	lower := strings.ToLower(line)
	if !strings.Contains(lower, "address already in use") && !strings.Contains(lower, "eaddrinuse") {
		return 0, false
	}
	m := portInLine.FindAllStringSubmatch(line, -1)
	if len(m) == 0 {
		return 0, true
	}
	n, err := strconv.Atoi(m[len(m)-1][1])
	if err != nil || n > 65535 {
		return 0, true
	}
	return n, true
}

// portHolders names, after a program's (or its build's) line saying a port is in use, the
// process that holds it; the same holder of the same port once only, however often the
// program crashes on it.
type portHolders struct {
	rep  Reporter
	mu   sync.Mutex
	said map[string]bool // "label port pid"
}

// line is a Logs watcher.
func (ph *portHolders) line(l childrpc.LogLine) {
	if l.Stream == "devrun" {
		return
	}
	if port, ok := portInUse(l.Text); ok && port != 0 {
		go ph.say(l.Process, port)
	}
}

func (ph *portHolders) say(about string, port int) {
	h, err := portHolder(port)
	if h.pid == os.Getpid() {
		return // the program binds the port devrun holds for it: the --listen hint says what to do
	}
	key := fmt.Sprintf("%s %d %d", about, port, h.pid)
	ph.mu.Lock()
	said := ph.said[key]
	if ph.said == nil {
		ph.said = map[string]bool{}
	}
	ph.said[key] = true
	ph.mu.Unlock()
	switch {
	case said:
	case err != nil || h.pid == 0:
		ph.rep.PrintfAfterOutput(LevelWarn, about, "port %d is in use; lsof -i :%d shows by whom", port, port)
	default:
		ph.rep.PrintfAfterOutput(LevelWarn, about, "port %d is held by pid %d (%s)", port, h.pid, h.command)
	}
}

// holder is a process with a listening socket.
type holder struct {
	pid     int
	command string
}
