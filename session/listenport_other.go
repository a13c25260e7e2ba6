//go:build !linux

package session

// CanFindPorts: only Linux shows devrun which ports a process listens on (/proc); elsewhere
// --browser needs --browser-to or one TCP --listen.
const CanFindPorts = false

func listeningAddr(pid int) string { return "" }
