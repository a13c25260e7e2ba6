// Package browser is devrun's reload proxy: an HTTP reverse proxy in front of the program that
// puts one script into every HTML page. The script keeps an event stream to the proxy, reloads
// the page once a new generation of the program is ready (never before), swaps stylesheets
// when only CSS changed, and shows a failed build or a crash as an overlay on the page.
//
// The caller reports the program's lifecycle (Building, BuildFailed, Started, Ready, Crashed,
// Changed, Reload); the package knows nothing of flags, terminals or processes.
package browser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Reserved paths: a program behind the proxy cannot serve these.
const (
	prefix     = "/__devrun/"
	scriptPath = prefix + "reload.js"
	eventsPath = prefix + "events"
)

// holdTimeout bounds how long a request waits for a program that is restarting (and the
// readiness poll after a start): long enough for a slow build-and-start, short enough that a
// program that never listens ends in a 502 the user can read.
const holdTimeout = 10 * time.Second

// Proxy serves the reverse proxy on its own listener until Close.
type Proxy struct {
	ln       net.Listener
	upstream atomic.Pointer[string] // host:port; "" while not known yet (see SetUpstream)
	logf     func(format string, args ...any)
	srv      *http.Server
	rp       *httputil.ReverseProxy
	tr       *http.Transport
	hub      *hub
	ctx      context.Context
	cancel   context.CancelFunc
}

// New listens on listen (host:port) and forwards to upstream (host:port), or, when upstream is
// "", to the address given to SetUpstream later; requests wait for it meanwhile. logf gets one
// line per reload and why (devrun prints it with -v); it may be nil.
func New(listen, upstream string, logf func(format string, args ...any)) (*Proxy, error) {
	if _, _, err := net.SplitHostPort(upstream); err != nil && upstream != "" {
		return nil, fmt.Errorf("browser: upstream %q: want host:port", upstream)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("browser: %w", err)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{ln: ln, logf: logf, ctx: ctx, cancel: cancel}
	p.upstream.Store(&upstream)
	p.hub = newHub(logf)
	p.tr = &http.Transport{
		DialContext:         p.dialHolding,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
		// What the program sends is passed on as it is; decompression happens only where a
		// script is injected.
		DisableCompression: true,
	}
	// The dialer connects to the current upstream whatever the URL says.
	target := &url.URL{Scheme: "http", Host: "upstream.devrun"}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the program sees the host the browser asked for
			r.SetXForwarded()
			limitEncodings(r.Out)
		},
		Transport: p.tr,
		// Streaming responses (SSE, chunked pages, long polls) reach the browser as the
		// program writes them.
		FlushInterval:  -1,
		BufferPool:     pool{},
		ModifyResponse: p.hub.modifyResponse,
		ErrorHandler:   p.proxyError,
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

// Addr is the address the proxy listens on (useful with port 0).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL is what a user opens.
func (p *Proxy) URL() string { return "http://" + p.Addr() }

// Upstream is the program's address ("" while not known).
func (p *Proxy) Upstream() string { return *p.upstream.Load() }

// SetUpstream changes the program's address: a program that picks its own port, found once it
// listens.
func (p *Proxy) SetUpstream(addr string) {
	if old := p.upstream.Swap(&addr); *old != addr {
		p.tr.CloseIdleConnections() // they lead to the old address
	}
}

// Close stops the proxy; open event streams end, so their scripts start reconnecting.
func (p *Proxy) Close() error {
	p.cancel()
	p.hub.close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := p.srv.Shutdown(ctx)
	if err != nil {
		err = p.srv.Close()
	}
	return err
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case scriptPath:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(clientJS)
	case eventsPath:
		p.hub.serveEvents(w, r)
	default:
		p.rp.ServeHTTP(w, r)
	}
}

// dialHolding connects to the program, waiting while it is not accepting yet (restarting
// without --listen, or its address not known yet) instead of failing the request at once.
func (p *Proxy) dialHolding(ctx context.Context, network, _ string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, holdTimeout)
	defer cancel()
	var d net.Dialer
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	err := errors.New("its address is not known yet")
	for {
		if addr := p.Upstream(); addr != "" {
			var c net.Conn
			c, err = d.DialContext(ctx, network, addr)
			if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
				return c, err
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the program did not accept within %s: %w", holdTimeout, err)
		case <-p.ctx.Done():
			return nil, err
		case <-tick.C:
		}
	}
}

func (p *Proxy) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the browser went away
	}
	p.logf("browser: %s %s: %v", r.Method, r.URL.Path, err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintf(w, "<!doctype html><title>devrun: no answer</title><pre>devrun: %s did not answer: %s</pre>%s",
		htmlEscape(p.Upstream()), htmlEscape(err.Error()), p.hub.scriptTag())
}

// limitEncodings keeps a page request's compression to what the proxy can undo to inject
// its script (gzip, deflate); other requests are passed on untouched.
func limitEncodings(out *http.Request) {
	if !strings.Contains(out.Header.Get("Accept"), "text/html") {
		return
	}
	ae := out.Header.Get("Accept-Encoding")
	if ae == "" {
		return
	}
	var keep []string
	for _, part := range strings.Split(ae, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "deflate", "identity":
			keep = append(keep, strings.TrimSpace(part))
		}
	}
	if len(keep) == 0 {
		out.Header.Del("Accept-Encoding")
		return
	}
	out.Header.Set("Accept-Encoding", strings.Join(keep, ", "))
}
