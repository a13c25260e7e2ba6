// Command hello is the first program to run under devrun:
//
//	go run ./cmd/devrun ./examples/hello
//
// Open http://localhost:8080, edit the greeting below and save: devrun rebuilds and restarts
// it. From another terminal, call the commands it registers:
//
//	go run ./cmd/devrun send stats
//	go run ./cmd/devrun send reload '{"greeting":"Hi again"}'
//
// It runs the same without devrun (go run ./examples/hello): the channel is simply absent.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

const greeting = "Hello from devrun!"

// server holds what the commands change while the program runs.
type server struct {
	mu       sync.Mutex
	greeting string
	hits     atomic.Int64
	started  time.Time
}

type reloadParams struct {
	Greeting string `json:"greeting"`
}

type stats struct {
	Hits     int64  `json:"hits"`
	Uptime   string `json:"uptime"`
	Greeting string `json:"greeting"`
	PID      int    `json:"pid"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	s := &server{greeting: greeting, started: time.Now()}

	// Commands other programs can call: devrun send reload '{"greeting":"..."}'
	childrpc.Handle("reload", func(ctx context.Context, p reloadParams) (string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if p.Greeting == "" {
			p.Greeting = greeting
		}
		s.greeting = p.Greeting
		return "greeting is now " + s.greeting, nil
	})
	childrpc.Handle("stats", func(ctx context.Context, _ struct{}) (stats, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return stats{Hits: s.hits.Load(), Uptime: time.Since(s.started).Round(time.Millisecond).String(), Greeting: s.greeting, PID: os.Getpid()}, nil
	})
	go func() {
		if err := childrpc.Serve(ctx); err != nil {
			log.Printf("devrun channel: %v", err)
		}
	}()

	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "localhost:8080"
	}
	// Under `devrun --listen :8080` this is the socket devrun holds across restarts; alone,
	// it is an ordinary net.Listen.
	ln, err := childrpc.Listener(addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		g := s.greeting
		s.mu.Unlock()
		fmt.Fprintf(w, "%s (pid %d)\n", g, os.Getpid())
	})}
	log.Printf("listening on http://%s", ln.Addr())
	// Tell devrun the new server is serving, so --overlap can stop the old one.
	if err := childrpc.Ready(ctx); err != nil {
		log.Printf("devrun ready: %v", err)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
