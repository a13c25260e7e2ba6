// Package terminal is devrun's side of the screen: its own lines (colours, the status line,
// build progress), the programs' output passed through a pty or a pipe exactly as they wrote
// it, and the marks that keep devrun's lines after the output they follow. It implements
// session.Reporter; nothing else in devrun writes to the terminal.
package terminal
