// Package session is the layer above runner: what a batch of changed files does to a process
// (a restart, a handler call, a command, a signal) and, as it grows, the processes of a devrun,
// their dependencies and calls between them. It prints nothing and knows no flags.
package session
