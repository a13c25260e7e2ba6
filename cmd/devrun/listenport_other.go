//go:build !linux

package main

// canFindPorts: only Linux shows devrun which ports a process listens on (/proc); elsewhere
// --browser needs --browser-to or one TCP --listen.
const canFindPorts = false

func listeningAddr(pid int) string { return "" }
