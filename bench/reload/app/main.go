// Command app is bench/reload's program: an HTTP server whose page is a template read from
// disk at start. With RELOAD=handler it takes template edits through childrpc.HandleChanges;
// otherwise devrun restarts it for them.
package main

import (
	"context"
	"html/template"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/devrun-dev/devrun/childrpc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var page atomic.Pointer[template.Template]
	page.Store(template.Must(template.ParseFiles("page.html")))
	var calls atomic.Int64
	if os.Getenv("RELOAD") == "handler" {
		childrpc.HandleChanges("*.html", func(ctx context.Context, files []string) error {
			calls.Add(1)
			t, err := template.ParseFiles(files[len(files)-1])
			if err == nil {
				page.Store(t)
			}
			return err
		})
	}
	childrpc.Handle("calls", func(context.Context, struct{}) (int64, error) { return calls.Load(), nil })
	go childrpc.Serve(ctx)
	ln, err := childrpc.Listener(os.Getenv("ADDR"))
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page.Load().Execute(w, nil)
	})}
	go func() { <-ctx.Done(); srv.Close() }()
	srv.Serve(ln)
}
