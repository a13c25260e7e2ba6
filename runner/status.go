package runner

import (
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// The values of Status.State.
const (
	StateBuilding = "building" // the build step runs (an older child may still run: PID)
	StateStarting = "starting" // a new generation is on its way (old one stopping, or not ready yet)
	StateRunning  = "running"  // a child runs
	StateCrashed  = "crashed"  // the child crashed; a restart follows after the backoff
	StateWaiting  = "waiting"  // nothing runs until the next Restart (clean exit, failed build or start, gave up)
	StateStopped  = "stopped"  // Run has not started, is shutting down, or has returned
)

// Status is a snapshot of a Runner, safe to encode as JSON (it is devrun.status's answer).
type Status struct {
	Process  string                `json:"process"`
	State    string                `json:"state"`
	PID      int                   `json:"pid,omitempty"` // the current child, 0 when none
	Restarts int                   `json:"restarts"`      // generations started after the first
	Started  time.Time             `json:"started,omitzero"`
	Ready    bool                  `json:"ready,omitempty"`   // the current child said it is ready
	Methods  []string              `json:"methods,omitempty"` // from the current child's devrun.hello
	Reloads  []childrpc.ReloadRule `json:"reloads,omitempty"` // likewise
	Listen   []string              `json:"listen,omitempty"`  // Config.ListenerNames
	// Channel is "open", or "closed" once the child closed its end (Node's
	// process.disconnect()); "" when no child runs.
	Channel  string `json:"channel,omitempty"`
	LastExit *Exit  `json:"last_exit,omitempty"`
}

// Exit describes how a child ended.
type Exit struct {
	PID    int       `json:"pid"`
	Code   int       `json:"code"`             // -1 when killed by a signal
	Signal string    `json:"signal,omitempty"` // "terminated", "killed", ...
	Time   time.Time `json:"time"`
}
