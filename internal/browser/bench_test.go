package browser

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkPage is a small HTML page fetched directly and through the proxy, one keep-alive
// connection each: the difference is what the proxy adds.
func BenchmarkPage(b *testing.B) {
	page := "<!doctype html><html><head><title>t</title></head><body>" + strings.Repeat("<p>hello</p>", 80) + "</body></html>"
	up := upstream(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
	p, err := New("127.0.0.1:0", up, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for _, c := range []struct{ name, url string }{{"direct", "http://" + up + "/"}, {"proxy", p.URL() + "/"}} {
		b.Run(c.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			for b.Loop() {
				resp, err := client.Get(c.url)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
