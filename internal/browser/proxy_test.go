package browser

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// upstream serves the test's pages on a real socket.
func upstream(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func newProxy(t *testing.T, up string) *Proxy {
	t.Helper()
	p, err := New("127.0.0.1:0", up, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestInjectsIntoHTMLOnly(t *testing.T) {
	page := "<!doctype html><html><body><h1>hi</h1></BODY></html>"
	binary := bytes.Repeat([]byte{0, 1, 2, '<', '/', 'b', 'o', 'd', 'y', '>'}, 5000)
	up := upstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Length", fmt.Sprint(len(page)))
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
			io.WriteString(w, page)
		case "/nobody":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<p>fragment")
		case "/gzip":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, page)
			zw.Close()
		case "/br":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "br")
			w.Write(binary)
		case "/bin":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(binary)
		case "/html-as-text":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, page)
		}
	}))
	p := newProxy(t, up)
	tag := p.hub.scriptTag()

	resp, body := get(t, p.URL()+"/page")
	want := strings.Replace(page, "</BODY>", tag+"</BODY>", 1)
	if string(body) != want {
		t.Errorf("page:\n got %s\nwant %s", body, want)
	}
	if resp.ContentLength != int64(len(want)) {
		t.Errorf("Content-Length %d, body %d", resp.ContentLength, len(want))
	}
	if v := resp.Header.Get("ETag") + resp.Header.Get("Last-Modified"); v != "" {
		t.Errorf("an injected page keeps the program's validators: %q", v)
	}

	if _, body := get(t, p.URL()+"/nobody"); string(body) != "<p>fragment"+tag {
		t.Errorf("page without </body>: %s", body)
	}

	resp, body = get(t, p.URL()+"/gzip", "Accept-Encoding", "gzip")
	if string(body) != want || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip page: encoding %q body %s", resp.Header.Get("Content-Encoding"), body)
	}

	for _, path := range []string{"/bin", "/br", "/html-as-text"} {
		resp, body := get(t, p.URL()+path)
		orig := binary
		if path == "/html-as-text" {
			orig = []byte(page)
		}
		if !bytes.Equal(body, orig) {
			t.Errorf("%s changed: %d bytes, sent %d", path, len(body), len(orig))
		}
		if path == "/br" && resp.Header.Get("Content-Encoding") != "br" {
			t.Errorf("/br lost its encoding")
		}
	}
}

// A page request asks the program only for encodings the proxy can undo.
func TestPageRequestsLimitEncodings(t *testing.T) {
	got := make(chan string, 2)
	up := upstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Accept-Encoding")
	}))
	p := newProxy(t, up)
	get(t, p.URL()+"/", "Accept", "text/html,*/*", "Accept-Encoding", "gzip, deflate, br, zstd")
	if ae := <-got; ae != "gzip, deflate" {
		t.Errorf("page request: Accept-Encoding %q", ae)
	}
	get(t, p.URL()+"/x.js", "Accept", "*/*", "Accept-Encoding", "gzip, br")
	if ae := <-got; ae != "gzip, br" {
		t.Errorf("other request: Accept-Encoding %q", ae)
	}
}

// Each piece of a streamed page (SSE here, and chunked HTML) reaches the client before the
// program writes the next.
func TestStreamsPassUnbuffered(t *testing.T) {
	next := make(chan struct{})
	up := upstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", map[string]string{"/sse": "text/event-stream", "/html": "text/html"}[r.URL.Path])
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	}))
	p := newProxy(t, up)
	for _, path := range []string{"/sse", "/html"} {
		resp, err := http.Get(p.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(resp.Body)
		for i := 0; i < 3; i++ {
			line, err := br.ReadString('\n')
			if err != nil || line != fmt.Sprintf("data: %d\n", i) {
				t.Fatalf("%s: line %d: %q %v", path, i, line, err)
			}
			br.ReadString('\n')
			next <- struct{}{}
		}
		resp.Body.Close()
	}
}

func TestWebSocketUpgradePasses(t *testing.T) {
	up := upstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "want upgrade", 400)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo " + line)
		brw.Flush()
	}))
	p := newProxy(t, up)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	fmt.Fprintf(c, "hello\n")
	if line, err := br.ReadString('\n'); line != "echo hello\n" {
		t.Fatalf("after upgrade: %q %v", line, err)
	}
}

// Without a held socket, a request made while the program is down waits for it.
func TestHoldsRequestsUntilTheProgramAccepts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := newProxy(t, addr)

	// Nothing listens: the request is held, not answered with an error.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, "GET", p.URL()+"/", nil)
	_, err = http.DefaultClient.Do(req)
	cancel()
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("with nothing listening: %v, want the request held until the client's deadline", err)
	}

	done := make(chan string)
	go func() {
		resp, err := http.Get(p.URL() + "/")
		if err != nil {
			done <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- string(b)
	}()
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go (&http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up") })}).Serve(ln)
	defer ln.Close()
	if got := <-done; got != "up" {
		t.Fatalf("held request: %q", got)
	}
}

// events reads the proxy's event stream.
type events struct {
	t  *testing.T
	br *bufio.Reader
}

func openEvents(t *testing.T, p *Proxy) *events {
	resp, err := http.Get(p.URL() + eventsPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: Content-Type %q", ct)
	}
	return &events{t, bufio.NewReader(resp.Body)}
}

// next returns the next state the stream sends.
func (e *events) next() State {
	for {
		line, err := e.br.ReadString('\n')
		if err != nil {
			e.t.Fatalf("events: %v", err)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var st State
			if err := json.Unmarshal([]byte(data), &st); err != nil {
				e.t.Fatalf("events: %q: %v", data, err)
			}
			return st
		}
	}
}

// until reads states until one satisfies ok.
func (e *events) until(what string, ok func(State) bool) State {
	for {
		st := e.next()
		if ok(st) {
			return st
		}
		e.t.Logf("waiting for %s: %+v", what, st)
	}
}

func TestEventStream(t *testing.T) {
	up := upstream(t, http.NotFoundHandler())
	p := newProxy(t, up)
	ev := openEvents(t, p)
	if st := ev.next(); st.Phase != PhaseStarting || st.Gen != 0 || st.Session == "" {
		t.Fatalf("first state: %+v", st)
	}

	// A program that never says it is ready counts as ready when it accepts.
	p.Started(100)
	st := ev.until("ready", func(st State) bool { return st.Phase == PhaseReady })
	if st.Gen != 1 || st.Styles {
		t.Fatalf("after start: %+v", st)
	}
	p.Ready(100, "devrun.ready") // the same generation: no second reload
	p.Changed([]string{"/x/main.go"})
	p.Building()
	p.BuildFailed("./main.go:3:1: syntax error <script>")
	st = ev.until("failed", func(st State) bool { return st.Phase == PhaseFailed })
	if st.Gen != 1 || st.Output != "./main.go:3:1: syntax error <script>" {
		t.Fatalf("failed build: %+v", st)
	}

	p.Changed([]string{"/x/main.go"})
	p.Building()
	p.Ready(101, "devrun.ready")
	if st := ev.until("ready", func(st State) bool { return st.Phase == PhaseReady }); st.Gen != 2 || st.Styles || st.Output != "" {
		t.Fatalf("good build: %+v", st)
	}

	p.Changed([]string{"/x/a.css"})
	p.Changed([]string{"/x/b.CSS"})
	p.Ready(102, "devrun.ready")
	if st := ev.until("ready", func(st State) bool { return st.Gen == 3 }); !st.Styles {
		t.Fatalf("css-only change: %+v", st)
	}
	p.Changed([]string{"/x/a.css"})
	p.Changed([]string{"/x/page.html"})
	p.Ready(103, "devrun.ready")
	if st := ev.until("ready", func(st State) bool { return st.Gen == 4 }); st.Styles {
		t.Fatalf("css and html change: %+v", st)
	}

	p.Crashed("exited with code 2", "panic: boom")
	if st := ev.until("crashed", func(st State) bool { return st.Phase == PhaseCrashed }); st.Output != "panic: boom" {
		t.Fatalf("crash: %+v", st)
	}
	p.Reload("reload-templates handled templates/index.html")
	if st := ev.until("reload", func(st State) bool { return st.Phase == PhaseReady }); st.Gen != 5 {
		t.Fatalf("reload: %+v", st)
	}

	// A new page starts from the current state.
	_, body := get(t, p.URL()+scriptPath)
	if !bytes.Contains(body, []byte("EventSource")) {
		t.Fatalf("script: %.100s", body)
	}
	if tag := p.hub.scriptTag(); !strings.Contains(tag, `data-gen="5"`) {
		t.Fatalf("tag: %s", tag)
	}
}

// A client that never reads is dropped; it cannot make the proxy hold its events.
func TestSlowEventClientIsDropped(t *testing.T) {
	up := upstream(t, http.NotFoundHandler())
	p := newProxy(t, up)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", eventsPath)
	// Read up to the first state, so the stream is registered; then never read again.
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "data: ") {
			break
		}
	}
	big := strings.Repeat("x", maxOutput)
	// Each event is the whole state (64 KiB here), so the socket buffers fill within a few;
	// then a write times out and the stream ends.
	for i := 0; ; i++ {
		p.BuildFailed(fmt.Sprint(i, big))
		p.hub.mu.Lock()
		n := len(p.hub.clients)
		p.hub.mu.Unlock()
		if n == 0 {
			break
		}
		if i > 10000 {
			t.Fatal("the stalled client was never dropped")
		}
		time.Sleep(10 * time.Millisecond) // pacing the producer, not synchronisation
	}
}
