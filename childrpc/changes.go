package childrpc

import (
	"context"
	"errors"
)

// ErrRestart, returned by a HandleChanges function, asks devrun to restart the program after
// all: the change is one the program cannot take while it runs.
var ErrRestart = errors.New("childrpc: restart the program")

// HandleChanges takes changes of the files matching glob (a doublestar pattern relative to
// the program's folder, "templates/**"; one without a slash matches a name in any folder,
// "*.html") through fn instead of a restart: devrun calls fn with their paths, relative to
// the program's folder. The program keeps its state (caches, connections, sessions). If fn
// returns an error (its message is shown), takes too long (5 s) or panics, devrun restarts the
// program instead; ErrRestart asks for that plainly.
//
// It registers the method "reload:" + glob and announces the rule in devrun.hello, so call it
// before Serve, like Handle. Outside devrun nothing calls fn.
func HandleChanges(glob string, fn func(ctx context.Context, files []string) error) {
	method := "reload:" + glob
	Handle(method, func(ctx context.Context, p ChangesParams) (ChangesResult, error) {
		err := fn(ctx, p.Files)
		if errors.Is(err, ErrRestart) {
			return ChangesResult{Restart: true}, nil
		}
		return ChangesResult{}, err
	})
	std.mu.Lock()
	std.reloads = append(std.reloads, ReloadRule{Files: []string{glob}, Method: method})
	std.mu.Unlock()
}
