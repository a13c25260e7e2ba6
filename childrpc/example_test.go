package childrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"

	"github.com/devrun-dev/devrun/childrpc"
)

type ReloadParams struct {
	Reason string `json:"reason"`
}

type ReloadResult struct {
	Routes int `json:"routes"`
}

// A child program: its handlers answer `devrun send reload` and `devrun send ping`.
// Not under devrun (as when this example runs), Serve returns nil at once and the
// program runs the same.
func Example() {
	childrpc.Handle("reload", func(ctx context.Context, p ReloadParams) (ReloadResult, error) {
		return ReloadResult{Routes: 12}, nil
	})
	// No params and a plain result: struct{} and string.
	childrpc.Handle("ping", func(ctx context.Context, _ struct{}) (string, error) {
		return "pong", nil
	})

	ctx := context.Background()
	served := make(chan error, 1)
	go func() { served <- childrpc.Serve(ctx) }() // under devrun, Serve runs until ctx ends

	if !childrpc.Supervised() {
		fmt.Println("not under devrun:", <-served)
	}
	if _, err := childrpc.Call[json.RawMessage](ctx, "devrun.restart", map[string]string{"reason": "config changed"}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// not under devrun: <nil>
	// childrpc: call "devrun.restart": childrpc: not running under devrun
}

// Two Conns talking to each other: both ends serve and call.
func ExampleConn() {
	a, b := net.Pipe()
	server := childrpc.NewConn(a, childrpc.ConnOptions{
		Handlers: map[string]childrpc.HandlerFunc{
			"add": childrpc.TypedHandler(func(ctx context.Context, p struct{ A, B int }) (int, error) {
				return p.A + p.B, nil
			}),
		},
	})
	defer server.Close()
	client := childrpc.NewConn(b, childrpc.ConnOptions{})
	defer client.Close()

	var sum int
	if err := client.Call(context.Background(), "add", map[string]int{"A": 2, "B": 3}, &sum); err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum)

	err := client.Call(context.Background(), "divide", nil, nil)
	var rpcErr *childrpc.Error
	if errors.As(err, &rpcErr) {
		fmt.Println(rpcErr.Code, rpcErr.Message)
	}
	// Output:
	// 5
	// -32601 method not found: divide
}

// Calling a command of the program a running devrun supervises, as `devrun send
// stats` does.
func ExampleDial() {
	ctx := context.Background()
	conn, err := childrpc.Dial(ctx, "") // the only devrun running; or name it
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	var stats json.RawMessage
	if err := conn.Call(ctx, "stats", nil, &stats); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(stats))
}

// Listing the running devruns, as `devrun ls` does.
func ExampleInstances() {
	infos, err := childrpc.Instances(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, info := range infos {
		for _, p := range info.Processes {
			fmt.Println(info.Name, p.Name, p.PID, p.State, p.Methods)
		}
	}
}

// Serving HTTP on the socket devrun holds across restarts (--listen web=:8080), or on
// :8080 when not under devrun.
func ExampleListener() {
	l, err := childrpc.Listener("web=:8080")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	// http.Serve(l, handler)
}
