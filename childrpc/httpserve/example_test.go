package httpserve_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/childrpc/httpserve"
)

// A server that devrun restarts (`devrun --listen :8080 ./app`): no request is refused or
// dropped across restarts. It runs the same alone, listening itself.
func ExampleServe() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := childrpc.Listener(":8080") // devrun's held socket, else net.Listen
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "hello")
		}),
		// A connection that sends nothing (a browser's spare one) then closes before the
		// drain bound instead of holding the stop to it.
		ReadHeaderTimeout: 2 * time.Second,
	}
	if err := httpserve.Serve(ctx, srv, ln); err != nil {
		log.Fatal(err)
	}
}

// Serving until a context is cancelled, with a drain bound of one second.
func ExampleOptions_Serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpserve.Options{Drain: time.Second}.Serve(ctx, srv, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))

	cancel()
	fmt.Println("stopped:", <-done)
	// Output:
	// hello
	// stopped: <nil>
}
