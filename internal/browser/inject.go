package browser

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// modifyResponse puts the script into HTML pages and leaves every other response alone.
func (h *hub) modifyResponse(resp *http.Response) error {
	if !injectable(resp) {
		return nil
	}
	body := resp.Body
	var decoded io.ReadCloser
	switch strings.ToLower(resp.Header.Get("Content-Encoding")) {
	case "":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil // not gzip after all: pass it on as it came
		}
		decoded = zr
	case "deflate":
		decoded = flate.NewReader(body)
	default:
		return nil // an encoding the proxy cannot undo (br, zstd): no script
	}
	tag := []byte(h.scriptTag())
	if decoded != nil {
		// The page goes out decoded: its length is known only at the end.
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Body = &injectReader{src: decoded, tag: tag, closers: []io.Closer{decoded, body}}
	} else {
		if resp.ContentLength >= 0 {
			resp.ContentLength += int64(len(tag))
			resp.Header.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
		}
		resp.Body = &injectReader{src: body, tag: tag, closers: []io.Closer{body}}
	}
	// The page differs from what the program sent, so its validators no longer describe it;
	// and a 304 would bring back a cached copy whose script names an old generation, which
	// would reload again and again.
	resp.Header.Del("ETag")
	resp.Header.Del("Last-Modified")
	resp.Header.Del("Content-MD5")
	return nil
}

func injectable(resp *http.Response) bool {
	if resp.Request != nil && resp.Request.Method == http.MethodHead {
		return false
	}
	switch {
	case resp.StatusCode < 200, resp.StatusCode == http.StatusNoContent, resp.StatusCode == http.StatusNotModified:
		return false
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return err == nil && mt == "text/html"
}

var bodyEnd = []byte("</body>")

// injectReader passes a page through, writing tag once: before the first </body>, or at the
// end when there is none. It holds back only the bytes that could begin a split "</body>", so a
// page streamed in pieces still reaches the browser piece by piece.
type injectReader struct {
	src     io.Reader
	tag     []byte
	closers []io.Closer
	out     []byte // ready to hand out
	held    []byte // a tail that may be the start of </body>
	done    bool   // tag written
	eof     bool
	buf     *[]byte // from bufPool, returned on Close
}

// bufPool keeps the proxy's copy buffers: a page costs no fresh 32 KiB.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

type pool struct{}

func (pool) Get() []byte  { return *bufPool.Get().(*[]byte) }
func (pool) Put(b []byte) { bufPool.Put(&b) }

func (r *injectReader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// fill reads once from src and decides what of it can go out.
func (r *injectReader) fill() {
	if r.buf == nil {
		r.buf = bufPool.Get().(*[]byte)
	}
	n, err := r.src.Read(*r.buf)
	chunk := append(r.held, (*r.buf)[:n]...)
	r.held = nil
	if r.done {
		r.out = chunk
	} else if i := indexFold(chunk, bodyEnd); i >= 0 {
		r.out = append(append(append([]byte{}, chunk[:i]...), r.tag...), chunk[i:]...)
		r.done = true
	} else {
		keep := partialSuffix(chunk, bodyEnd)
		r.out = chunk[:len(chunk)-keep]
		r.held = append([]byte(nil), chunk[len(chunk)-keep:]...)
	}
	if err != nil {
		r.eof = true
		r.out = append(r.out, r.held...)
		r.held = nil
		if !r.done {
			r.out = append(r.out, r.tag...)
			r.done = true
		}
	}
}

func (r *injectReader) Close() error {
	if r.buf != nil {
		bufPool.Put(r.buf)
		r.buf = nil
	}
	var first error
	for _, c := range r.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// indexFold is bytes.Index ignoring ASCII case (</BODY> is valid HTML).
func indexFold(s, sep []byte) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		if bytes.EqualFold(s[i:i+len(sep)], sep) {
			return i
		}
	}
	return -1
}

// partialSuffix is the length of the longest end of s that is a proper start of sep.
func partialSuffix(s, sep []byte) int {
	for k := min(len(sep)-1, len(s)); k > 0; k-- {
		if bytes.EqualFold(s[len(s)-k:], sep[:k]) {
			return k
		}
	}
	return 0
}
