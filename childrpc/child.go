package childrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// registry holds the child's handlers. It is final once Serve is called; requests that
// arrive earlier (say, while the program calls Ready before Serve) wait for it.
type registry struct {
	mu       sync.Mutex
	handlers map[string]HandlerFunc
	serving  bool
	final    chan struct{} // closed by Serve
	reloads  []ReloadRule  // announced in devrun.hello (HandleChanges)
}

func newRegistry() *registry {
	return &registry{handlers: make(map[string]HandlerFunc), final: make(chan struct{})}
}

var std = newRegistry()

// Handle registers a typed handler for method, served to devrun (and through it to
// `devrun send` and other processes) once Serve is called. The params are decoded into
// P: missing or null params give the zero P, params that do not decode are answered
// -32602 with the reason. The result is encoded from R. struct{} suits a method
// without params or without a result:
//
//	childrpc.Handle("ping", func(ctx context.Context, _ struct{}) (string, error) {
//		return "pong", nil
//	})
//
// Handle panics when called after Serve, twice for one method, or with a reserved name
// (devrun.*, rpc.*, $/*): these are programming errors.
func Handle[P, R any](method string, fn func(ctx context.Context, p P) (R, error)) {
	if fn == nil {
		panic(fmt.Sprintf("childrpc: Handle(%q) with a nil function", method))
	}
	std.register(method, TypedHandler(fn))
}

// HandleFunc registers an untyped handler, which receives the raw params. It panics
// in the same cases as Handle.
func HandleFunc(method string, fn HandlerFunc) {
	if fn == nil {
		panic(fmt.Sprintf("childrpc: HandleFunc(%q) with a nil function", method))
	}
	std.register(method, fn)
}

func (r *registry) register(method string, h HandlerFunc) {
	if method == "" {
		panic("childrpc: Handle with an empty method name")
	}
	for _, prefix := range reservedPrefixes {
		if strings.HasPrefix(method, prefix) {
			panic(fmt.Sprintf("childrpc: method name %q is reserved (devrun.*, rpc.* and $/* are)", method))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.serving {
		panic(fmt.Sprintf("childrpc: Handle(%q) called after Serve: register every handler before Serve", method))
	}
	if _, dup := r.handlers[method]; dup {
		panic(fmt.Sprintf("childrpc: method %q registered twice", method))
	}
	r.handlers[method] = h
}

// startServing makes the handlers final and returns their sorted names.
func (r *registry) startServing() ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.serving {
		return nil, errors.New("childrpc: Serve called twice")
	}
	r.serving = true
	close(r.final)
	methods := make([]string, 0, len(r.handlers))
	for m := range r.handlers {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	return methods, nil
}

// lookup waits until Serve has made the handlers final (or ctx ends) and finds one.
func (r *registry) lookup(ctx context.Context, method string) HandlerFunc {
	select {
	case <-r.final:
		return r.handlers[method] // read-only from now on
	case <-ctx.Done():
		return nil
	}
}

// channel is the child's end of the devrun channel, taken once from the environment.
var channel struct {
	once    sync.Once
	conn    *Conn
	err     error
	process string
}

// childConn returns the channel: nil, nil when the program is not under devrun.
// The first call takes the fd (close-on-exec) and removes the variables from the
// environment, so that the program's own subprocesses do not inherit the channel.
func childConn() (*Conn, error) {
	channel.once.Do(func() { channel.conn, channel.err = openChannel() })
	return channel.conn, channel.err
}

func openChannel() (*Conn, error) {
	fdText, ok := os.LookupEnv(EnvRPCFD)
	protocol := os.Getenv(EnvProtocol)
	channel.process = os.Getenv(EnvProcess)
	if !ok {
		return nil, nil
	}
	// A subprocess that found these would write to the channel too (or, for the Node
	// variables, a node subprocess would take the fd as its parent channel), as Node
	// does with its own NODE_CHANNEL_FD.
	for _, k := range []string{EnvRPCFD, EnvProtocol, EnvProcess, EnvNodeFD, EnvNodeMode} {
		os.Unsetenv(k)
	}
	if protocol != "" && protocol != strconv.Itoa(Protocol) {
		return nil, fmt.Errorf("childrpc: devrun speaks protocol %s, this program protocol %d: update one of them", protocol, Protocol)
	}
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 0 {
		return nil, fmt.Errorf("childrpc: %s=%q is not a file descriptor", EnvRPCFD, fdText)
	}
	rwc, err := openFD(fd)
	if err != nil {
		return nil, err
	}
	return newConn(rwc, ConnOptions{}, func(ctx context.Context, method string) HandlerFunc {
		return std.lookup(ctx, method)
	}), nil
}

// ProcessName returns the name devrun gave this process (EnvProcess: devrun.toml's
// [process.NAME], else the program's name), or "" when not under devrun. Use it rather
// than the variable, which the package removes from the environment.
func ProcessName() string {
	childConn()
	return channel.process
}

// Supervised reports whether the program was started by devrun with a channel.
// Calling it early (before starting subprocesses) also takes the channel out of the
// environment, so that they do not inherit it.
func Supervised() bool {
	conn, err := childConn()
	return conn != nil && err == nil
}

// Serve answers devrun's requests with the registered handlers until ctx is done
// (then it closes the channel and returns nil) or devrun closes the channel (it
// returns an error wrapping ErrClosed). It first sends devrun.hello with the method
// names. Outside devrun it returns nil at once, so the same program runs either way;
// start it with `go childrpc.Serve(ctx)`. After Serve, Handle panics; a second Serve
// returns an error.
func Serve(ctx context.Context) error {
	conn, err := childConn()
	methods, serveErr := std.startServing()
	if serveErr != nil {
		return serveErr
	}
	if err != nil || conn == nil {
		return err
	}
	hello := HelloParams{Protocol: Protocol, PID: os.Getpid(), Methods: methods, Reloads: std.reloads}
	if err := conn.Notify(ctx, MethodHello, hello); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		conn.Close()
		return nil
	case <-conn.Done():
		return fmt.Errorf("childrpc: devrun closed the channel: %w", ErrClosed)
	}
}

// Call calls a method devrun serves (devrun.restart {"reason"}, devrun.status {}, ...)
// and decodes its result into R. Outside devrun it returns ErrNotSupervised.
// An error answer is a *Error; the channel closing gives an error wrapping ErrClosed.
func Call[R any](ctx context.Context, method string, params any) (R, error) {
	var result R
	conn, err := childConn()
	if err != nil {
		return result, err
	}
	if conn == nil {
		return result, callError(method, ErrNotSupervised)
	}
	err = conn.Call(ctx, method, params, &result)
	return result, err
}

// CallProcess calls method in another process of the same devrun (devrun.toml's
// [process.NAME]), through devrun.call. Outside devrun it returns ErrNotSupervised.
func CallProcess[R any](ctx context.Context, process, method string, params any) (R, error) {
	var raw json.RawMessage
	if params != nil {
		var err error
		if raw, err = json.Marshal(params); err != nil {
			var zero R
			return zero, fmt.Errorf("childrpc: encoding params of %q: %w", method, err)
		}
	}
	return Call[R](ctx, MethodCall, CallParams{Process: process, Method: method, Params: raw})
}

// Notify sends a notification to devrun. Outside devrun it does nothing.
func Notify(ctx context.Context, method string, params any) error {
	conn, err := childConn()
	if err != nil || conn == nil {
		return err
	}
	return conn.Notify(ctx, method, params)
}

// Ready tells devrun that the program is ready to serve (devrun.ready), which is what
// --overlap waits for before stopping the previous generation. Outside devrun it does
// nothing.
func Ready(ctx context.Context) error {
	conn, err := childConn()
	if err != nil || conn == nil {
		return err
	}
	return conn.Call(ctx, MethodReady, struct{}{}, nil)
}
