package main

import "testing"

// --browser takes its address only with =, so that `devrun --browser ./app` runs ./app.
func TestBrowserFlags(t *testing.T) {
	o, err := parseOptions([]string{"--browser", "./app"})
	if s := o.flags.Settings; err != nil || s.Browser != "127.0.0.1:3000" || o.Target != "./app" {
		t.Fatalf("--browser ./app: %+v %v", o, err)
	}
	o, err = parseOptions([]string{"--browser=127.0.0.1:4000", "--browser-to", "localhost:8080", "./app"})
	if s := o.flags.Settings; err != nil || s.Browser != "127.0.0.1:4000" || s.BrowserTo != "localhost:8080" || o.Target != "./app" {
		t.Fatalf("--browser=ADDR --browser-to ADDR: %+v %v", o, err)
	}
}
