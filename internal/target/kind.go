package target

// Kind says how a target is run; it decides the default watch set and whether the child gets a
// Node IPC channel.
type Kind int

const (
	Go         Kind = iota + 1 // a Go package or .go file, built into the cache folder
	Executable                 // an executable file, run as is
	Node                       // a .js/.mjs/.cjs file run by node
	Python                     // a .py file run by python3
	TypeScript                 // a .ts file run by tsx
	Command                    // a command found on PATH, or the --exec string alone
)

func (k Kind) String() string {
	switch k {
	case Go:
		return "go"
	case Executable:
		return "executable"
	case Node:
		return "node"
	case Python:
		return "python"
	case TypeScript:
		return "typescript"
	case Command:
		return "command"
	}
	return "unknown"
}
