// Package cli is devrun's client side: the subcommands that talk to a running devrun over its
// control socket (ls, send, restart, stop, logs, events, wait), those that serve other programs
// (mcp for coding agents, completion and the hidden __complete for shells), and help and
// version. The devrun command looks a subcommand up with Devrun.Subcommand and runs it on its
// terminal (IO); it turns the errors a subcommand returns (UsageError, InputError,
// ExitCodeError) into devrun's exit status, so a subcommand never exits itself.
package cli
