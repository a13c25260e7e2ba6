// Package session runs the processes of one devrun: it builds them from their settings (New,
// from a Spec), starts them in dependency order once their dependencies are ready, runs scale
// instances of each, and stops, kills or restarts them by name (Session). Under that are what a
// batch of changed files does to a process (PlanChanges, Apply), calls between processes and
// from clients (Processes), readiness (Readiness, WaitFor), the log ring (Logs) and the event
// stream (EventLog); beside it, Go mode's watch set, the browser proxy's feed, the sockets held
// across restarts, and the control socket's handlers (internal/control has the socket).
//
// It prints nothing and knows no flags: devrun's lines, the build status and the programs'
// output go through a Reporter, which internal/terminal's Console implements.
package session
