// Package childrpc lets a program that devrun runs answer named commands and call
// devrun back, over the JSON-RPC channel devrun keeps to every child. It also gives
// other programs the calls `devrun send` makes (Dial), and it is the protocol devrun
// itself uses (Conn). It needs nothing but the standard library.
//
// # A Go child
//
// Register handlers, then serve:
//
//	type ReloadParams struct{ Reason string }
//	type ReloadResult struct{ Routes int }
//
//	func main() {
//		childrpc.Handle("reload", func(ctx context.Context, p ReloadParams) (ReloadResult, error) {
//			n, err := loadRoutes()
//			return ReloadResult{Routes: n}, err
//		})
//		childrpc.Handle("ping", func(ctx context.Context, _ struct{}) (string, error) {
//			return "pong", nil
//		})
//		go childrpc.Serve(ctx) // returns nil at once when not under devrun
//
//		l, err := childrpc.Listener(":8080") // devrun's held socket with --listen, else net.Listen
//		...
//		childrpc.Ready(ctx) // for --overlap: the new generation can take over
//		http.Serve(l, mux)
//	}
//
// then, from another terminal, `devrun send reload '{"Reason":"new routes"}'` prints
// the result as JSON. Params are decoded into the handler's parameter type (missing or
// null params give its zero value; params that do not decode are answered -32602 with
// the reason), and the result is encoded from its result type; struct{} serves for
// "none" on either side. Requests run concurrently (a handler that blocks holds up
// only its own answer), each with a context that is cancelled if the caller gives up;
// requests that arrive before Serve wait for it.
// A handler that panics is answered -32603 with the stack, and the program keeps
// serving.
//
// The same binary runs without devrun: Serve returns nil, Notify and Ready do nothing,
// Call and CallProcess return ErrNotSupervised, Supervised reports false, Listener
// listens itself.
//
// The child calls devrun with Call: devrun.restart {"reason"} (restart me),
// devrun.status {}, devrun.ready {} (what Ready sends), and CallProcess reaches a
// handler of another process of the same devrun.toml.
//
// # Errors
//
// A handler's error is sent to the caller as a JSON-RPC error: a *Error as it is, an
// error with a method RPCCode() int with that code, any other with CodeHandlerError
// (-32000); its message is err.Error(). On the calling side, an error answer comes
// back as a *Error (use errors.As), a closed channel as an error wrapping ErrClosed,
// and a done context as an error wrapping ctx.Err(). The codes are the Code*
// constants: JSON-RPC's own, -32800 for a cancelled request, and -32001 (no child
// running) and -32002 (timed out) which devrun adds.
//
// # Node and other languages
//
// A Node child needs no library: devrun starts it with Node's IPC channel
// (NODE_CHANNEL_FD, serialization "json") on the same socket, so requests arrive
// through process.on('message') and answers leave through process.send:
//
//	process.on('message', (m) => {
//	  if (m && m.method === 'stats') {
//	    process.send({jsonrpc: '2.0', id: m.id, result: {rss: process.memoryUsage().rss}});
//	  }
//	});
//	process.send({jsonrpc: '2.0', method: 'devrun.hello', params: {protocol: 1, pid: process.pid, methods: ['stats']}});
//	process.send('ready');
//
// Any other language reads and writes lines on the file descriptor named by
// DEVRUN_RPC_FD. The repository's examples/node-child and examples/python-child are
// complete programs.
//
// # The channel
//
// Protocol 1, the same in both directions: one compact JSON value per line, each line
// ending in "\n"; JSON-RPC 2.0 requests, notifications, responses and batches (answered
// with one array; a batch of notifications only, with nothing). Requests are answered in
// any order and matched by id. $/cancelRequest {"id"} cancels a request; the callee still
// answers it, with -32800. A value without a "jsonrpc" member (Node's
// process.send('ready'), a pm2-style object) is an event, given to ConnOptions.OnEvent;
// devrun takes "ready" as readiness. Objects whose "cmd" starts with NODE_ are Node's own
// and ignored, and {"cmd":"NODE_HANDLE"} (Node sending a handle, which cannot travel here)
// is answered {"cmd":"NODE_HANDLE_NACK"} so that Node goes on. A Conn never writes an
// empty line or invalid JSON, either of which would crash a Node peer. A line that is not
// JSON is answered -32700 with id null; an invalid Request object -32600; params that are
// not an object or an array -32602. A line over ConnOptions.MaxLine (16 MiB) is dropped;
// the request or the call it carried, by the id at its start, gets an error naming the
// limit. None of these stops the channel. The names, types and codes are in protocol.go.
//
// A child may send the notification devrun.hello {"protocol":1,"pid":N,"methods":[...]}
// (Serve does): `devrun ls` and shell completion show the methods.
//
// The child finds the channel in its environment: DEVRUN_RPC_FD (the socket's fd,
// after the listen sockets), DEVRUN_PROTOCOL=1 and DEVRUN_PROCESS (the process name).
// The first use of the package's child-side functions checks that the fd is a Unix
// stream socket, takes it, marks it close-on-exec and removes those variables and the
// Node ones from the environment, so that the program's own subprocesses inherit none of
// it: call Supervised (or Serve) before starting any. ProcessName keeps the name.
//
// # Conn
//
// NewConn runs the protocol over any io.ReadWriteCloser, symmetric: each end serves
// its ConnOptions.Handlers and calls the other's. devrun's runner holds the parent's
// end of each child; tests and tools can pair two Conns over net.Pipe (see the
// Conn example).
//
// # Talking to a running devrun
//
// Each devrun listens on a control socket in SocketDir, named after the devrun
// (`devrun ls` lists them; so does Instances). Dial connects to one; a method that is
// not devrun's own is forwarded to the child:
//
//	conn, err := childrpc.Dial(ctx, "") // "" = the only devrun running
//	if err != nil { ... }
//	defer conn.Close()
//	var stats json.RawMessage
//	err = conn.Call(ctx, "stats", nil, &stats)
//
// # Cost and bounds
//
// One goroutine reads and decodes each connection (encoding/json); each request's
// handler runs on a goroutine of its own, at most ConnOptions.MaxRunning at once, with
// MaxQueued more waiting; notifications run in order on one goroutine, and a batch's
// members in order on the batch's. Every message is
// written whole under one lock, with a write timeout: a peer that stops reading is
// disconnected, never buffered for. The reader never waits on a write, so two Conns
// cannot block each other. A round trip between two processes costs two hand-offs
// between goroutines, a thread wake-up each. `go test -run '^$' -bench . ./childrpc`
// gives the figures of yours.
package childrpc
