// Command hello is the first program to run under devrun:
//
//	go run ./cmd/devrun ./examples/hello
//
// Open http://localhost:8080, edit the greeting below and save: devrun rebuilds and restarts
// it. Edit templates/page.html instead: the program takes the new template through its
// HandleChanges handler, with no restart (the reload count on the page goes up, the pid
// stays). With `go run ./cmd/devrun --browser ./examples/hello`, open http://127.0.0.1:3000
// instead: the page reloads by itself once the new build serves. From another terminal, call
// the commands it registers:
//
//	go run ./cmd/devrun send stats
//	go run ./cmd/devrun send reload '{"greeting":"Hi again"}'
//
// It runs the same without devrun (go run ./examples/hello): the channel is simply absent.
package main

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/childrpc/httpserve"
)

const greeting = "Hello from devrun!"

// The page's template is built in, and read again from disk when devrun says it changed.
//
//go:embed templates/page.html
var builtIn embed.FS

// server holds what the commands change while the program runs.
type server struct {
	mu       sync.Mutex
	greeting string
	page     *template.Template
	pageErr  error // the template does not parse: the page says why
	reloads  int
	hits     atomic.Int64
	started  time.Time
}

// page is what the template shows.
type page struct {
	Greeting string
	Reloads  int
	PID      int
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
	s.page, s.pageErr = template.ParseFS(builtIn, "templates/page.html")

	// devrun hands template edits to this function instead of restarting the program; the
	// paths are relative to the program's working folder. An error (a template that does not
	// parse) makes devrun restart the program instead, and say why.
	childrpc.HandleChanges("*.html", func(ctx context.Context, files []string) error {
		t, err := template.ParseFiles(files[len(files)-1])
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.page, s.pageErr = t, nil
		s.reloads++
		return nil
	})

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
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.hits.Add(1)
			s.mu.Lock()
			t, terr, p := s.page, s.pageErr, page{Greeting: s.greeting, Reloads: s.reloads, PID: os.Getpid()}
			s.mu.Unlock()
			if terr != nil {
				http.Error(w, "templates/page.html: "+terr.Error(), http.StatusInternalServerError)
				return
			}
			// An HTML page, so that devrun --browser can put its reload script in it.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if err := t.Execute(w, p); err != nil {
				fmt.Fprintf(w, "<p>template: %v</p>", template.HTMLEscapeString(err.Error()))
			}
		}),
		// A connection that never sends a request (browsers open spare ones) closes by
		// itself, rather than holding a restart until the drain bound.
		ReadHeaderTimeout: 2 * time.Second,
	}
	log.Printf("listening on http://%s", ln.Addr())
	// Tell devrun the new server is serving, so --overlap can stop the old one.
	if err := childrpc.Ready(ctx); err != nil {
		log.Printf("devrun ready: %v", err)
	}
	// Serve until ctx is done (devrun stops or restarts us), then answer every connection
	// already accepted before stopping: with --listen no request is lost across a restart.
	return httpserve.Serve(ctx, srv, ln)
}
