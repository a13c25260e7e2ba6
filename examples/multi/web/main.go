// Command web is the Go half of the multi-process example: an HTTP server whose handler hands
// each request's job to the Node worker process through devrun.
//
//	cd examples/multi && go run ../../cmd/devrun
//	curl 'http://127.0.0.1:8090/?job=resize'     # one worker instance takes it (round robin)
//	curl 'http://127.0.0.1:8090/all?job=ping'    # every worker instance answers
//	go run ../../cmd/devrun send -p web dispatch '{"job":"from the terminal"}'
//
// Alone (go run ./web) it still serves, and says the worker is out of reach.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// job is what web sends the worker's take method; the worker answers with what it did.
type job struct {
	Job string `json:"job"`
}

// allInstances is devrun.call's params when every instance of a process must answer:
// childrpc.CallProcess picks one instance, so this is spelled out.
type allInstances struct {
	Process  string `json:"process"`
	Method   string `json:"method"`
	Params   any    `json:"params"`
	Instance string `json:"instance"`
}

var hits atomic.Int64

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		log.Fatal(err)
	}
}

// dispatch asks one worker instance to take j; devrun chooses the instance.
func dispatch(ctx context.Context, j job) (json.RawMessage, error) {
	return childrpc.CallProcess[json.RawMessage](ctx, "worker", "take", j)
}

// dispatchAll asks every worker instance; devrun answers with their replies in a list.
func dispatchAll(ctx context.Context, j job) (json.RawMessage, error) {
	return childrpc.Call[json.RawMessage](ctx, childrpc.MethodCall,
		allInstances{Process: "worker", Method: "take", Params: j, Instance: "all"})
}

func run(ctx context.Context) error {
	// Methods other processes (and devrun send -p web) can call.
	childrpc.Handle("dispatch", dispatch)
	childrpc.Handle("hits", func(context.Context, struct{}) (int64, error) { return hits.Load(), nil })
	go func() {
		if err := childrpc.Serve(ctx); err != nil {
			log.Printf("devrun channel: %v", err)
		}
	}()

	// Under devrun this is the "http" socket of devrun.toml's listen, held across restarts;
	// alone, an ordinary listen on the address.
	ln, err := childrpc.Listener("http=127.0.0.1:8090")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { serveJob(w, r, dispatch) })
	mux.HandleFunc("/all", func(w http.ResponseWriter, r *http.Request) { serveJob(w, r, dispatchAll) })
	srv := &http.Server{Handler: mux}
	log.Printf("web listening on http://%s", ln.Addr())
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

// serveJob hands the request's ?job= to the worker and writes the worker's answer.
func serveJob(w http.ResponseWriter, r *http.Request, send func(context.Context, job) (json.RawMessage, error)) {
	hits.Add(1)
	j := job{Job: r.URL.Query().Get("job")}
	if j.Job == "" {
		j.Job = "hello"
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	answer, err := send(ctx, j)
	if err != nil {
		// Outside devrun: childrpc.ErrNotSupervised; worker down or missing: a *childrpc.Error.
		http.Error(w, fmt.Sprintf("web (pid %d): the worker did not take %q: %v", os.Getpid(), j.Job, err), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\"web_pid\":%d,\"worker\":%s}\n", os.Getpid(), answer)
}
