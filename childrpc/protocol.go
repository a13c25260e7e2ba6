package childrpc

import (
	"encoding/json"
	"time"
)

// The protocol between devrun and its programs, declared once: the version, the
// environment, the method names with their parameter and result types, and the error
// codes. devrun, its client subcommands and user programs all use these names.

// Protocol is the version of the child channel this package speaks; devrun passes it
// in EnvProtocol.
const Protocol = 1

// Environment of a child started by devrun.
const (
	EnvRPCFD    = "DEVRUN_RPC_FD"   // the channel's file descriptor (not set for Node: it has EnvNodeFD)
	EnvProtocol = "DEVRUN_PROTOCOL" // the protocol version, Protocol
	EnvProcess  = "DEVRUN_PROCESS"  // the process name
	EnvInstance = "DEVRUN_INSTANCE" // the instance number of a scaled process, from 0
	EnvChanged  = "DEVRUN_CHANGED"  // the changed paths that caused this restart

	// Node's own channel: with these set, process.send and process.on('message') speak
	// this protocol, and Node removes them from its own environment.
	EnvNodeFD   = "NODE_CHANNEL_FD"
	EnvNodeMode = "NODE_CHANNEL_SERIALIZATION_MODE" // always "json"

	// systemd's socket activation and readiness, as devrun hands them over.
	EnvListenFDs     = "LISTEN_FDS"
	EnvListenFDNames = "LISTEN_FDNAMES"
	EnvListenPID     = "LISTEN_PID"
	EnvNotifySocket  = "NOTIFY_SOCKET"
)

// Methods devrun serves to its programs over the child channel.
const (
	MethodHello   = "devrun.hello"   // notification, HelloParams
	MethodReady   = "devrun.ready"   // no params; --overlap waits for it
	MethodRestart = "devrun.restart" // RestartParams
	MethodStatus  = "devrun.status"  // no params; the runner's status
	MethodCall    = "devrun.call"    // CallParams; also on the control socket
)

// Methods of the control socket (see Dial), besides MethodCall and MethodRestart.
const (
	MethodInfo = "devrun.info" // no params; Info
	MethodStop = "devrun.stop" // no params
	MethodLogs = "devrun.logs" // LogsParams; LogsResult, the lines themselves as MethodLog
	MethodLog  = "devrun.log"  // notification to a client, LogLine
	// The event stream (events.go): a client calls MethodEvents with EventsParams and gets
	// the kept events; with Follow, each later one comes as a MethodEvent notification.
	MethodEvents = "devrun.events"
	MethodEvent  = "devrun.event"
)

// MethodCancelRequest asks the peer to stop working on a request (CancelParams); the
// request is still answered, with CodeCancelled.
const MethodCancelRequest = "$/cancelRequest"

// Reserved method name prefixes: a program cannot register a handler under them.
var reservedPrefixes = []string{"devrun.", "rpc.", "$/"}

// HelloParams are devrun.hello's params: what `devrun ls` and completion show, and the
// files the program takes through its own handlers instead of a restart.
type HelloParams struct {
	Protocol int          `json:"protocol"`
	PID      int          `json:"pid"`
	Methods  []string     `json:"methods"`
	Reloads  []ReloadRule `json:"reloads,omitempty"`
}

// ReloadRule says that a change of the files matching Files (doublestar globs, relative to
// the program's folder; a glob without a slash matches a name in any folder) is given to
// Method as ChangesParams instead of restarting the program.
type ReloadRule struct {
	Files  []string `json:"files"`
	Method string   `json:"method"`
}

// ChangesParams are what a handler of changed files receives: their paths, relative to the
// program's folder, with slashes.
type ChangesParams struct {
	Files []string `json:"files"`
}

// ChangesResult is what a handler of changed files may answer: Restart asks devrun to
// restart the program after all.
type ChangesResult struct {
	Restart bool `json:"restart,omitempty"`
}

// RestartParams are devrun.restart's params: Reason from a program, Process (one
// process of a devrun.toml, else all) from a control client.
type RestartParams struct {
	Reason  string `json:"reason,omitempty"`
	Process string `json:"process,omitempty"`
}

// CallParams are devrun.call's params: a call forwarded by devrun to a program.
type CallParams struct {
	Process string          `json:"process,omitempty"` // "" is the first process
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
	// Instance is a number, "all" (every instance, results in a list) or absent (round
	// robin among the running ones).
	Instance json.RawMessage `json:"instance,omitempty"`
	// TimeoutMS bounds the wait for the program's answer (default DefaultCallTimeout);
	// past it the answer is CodeTimeout.
	TimeoutMS int64 `json:"timeout_ms,omitempty"`
}

// DefaultCallTimeout bounds a call devrun forwards to a program when its caller set no
// timeout of its own.
const DefaultCallTimeout = 10 * time.Second

// CancelParams are $/cancelRequest's params.
type CancelParams struct {
	ID json.RawMessage `json:"id"`
}

// LogsParams are devrun.logs's params.
type LogsParams struct {
	Lines  *int `json:"lines,omitempty"` // how many of the last lines (default 100)
	Follow bool `json:"follow,omitempty"`
}

// LogsResult answers devrun.logs: the backlog's lines went out before it as devrun.log
// notifications, Lines of them.
type LogsResult struct {
	Lines int `json:"lines"`
}

// LogLine is one line of a program's output or of devrun's own, as `devrun logs` shows
// it: devrun.log's params.
type LogLine struct {
	Time    time.Time `json:"time"`
	Stream  string    `json:"stream"` // stdout, stderr or devrun
	Process string    `json:"process,omitempty"`
	Text    string    `json:"text"`
}

// Info describes one running devrun, as its control socket answers devrun.info.
type Info struct {
	Name      string        `json:"name"`
	PID       int           `json:"pid"`
	Dir       string        `json:"dir"`     // the project folder
	Command   []string      `json:"command"` // devrun's own argv
	Started   time.Time     `json:"started"`
	Processes []ProcessInfo `json:"processes"`
}

// ProcessInfo describes one supervised process of a devrun.
type ProcessInfo struct {
	Name     string    `json:"name"`
	Instance int       `json:"instance"` // EnvInstance, with scale > 1
	PID      int       `json:"pid"`      // the child's pid, 0 when none runs
	State    string    `json:"state"`    // building, starting, running, crashed, waiting, stopped
	Restarts int       `json:"restarts"`
	Started  time.Time `json:"started"` // when the current child started
	Methods  []string  `json:"methods"` // from the child's devrun.hello
	Listen   []string  `json:"listen"`  // the held listen sockets
	// Channel is "open", "closed" (the program closed it: process.disconnect()) or ""
	// when no child runs.
	Channel string `json:"channel,omitempty"`
}

// JSON-RPC 2.0 error codes, plus the ones devrun adds for its callers.
const (
	CodeParseError     = -32700 // the line is not valid JSON
	CodeInvalidRequest = -32600 // valid JSON, but not a valid request (or over the line limit)
	CodeMethodNotFound = -32601 // no handler is registered for the method
	CodeInvalidParams  = -32602 // params are not an object or array, or do not decode into the handler's type
	CodeInternalError  = -32603 // the handler panicked (stack in Data) or its result does not encode
	CodeHandlerError   = -32000 // the handler returned an error without a code of its own
	CodeNoChild        = -32001 // devrun: no child is running
	CodeTimeout        = -32002 // devrun: the child did not answer in time
	CodeBusy           = -32003 // too many requests running and waiting on the connection
	CodeCancelled      = -32800 // the caller cancelled the request ($/cancelRequest)
)
