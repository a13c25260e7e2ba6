package main

import "testing"

func TestBrowserFlags(t *testing.T) {
	o, err := parseOptions([]string{"--browser", "./app"})
	if err != nil || o.Browser != defaultBrowser || o.Target != "./app" {
		t.Fatalf("--browser ./app: %+v %v", o, err)
	}
	o, err = parseOptions([]string{"--browser=127.0.0.1:4000", "--browser-to", "localhost:8080", "./app"})
	if err != nil || o.Browser != "127.0.0.1:4000" || o.BrowserTo != "localhost:8080" || o.Target != "./app" {
		t.Fatalf("--browser=ADDR --browser-to ADDR: %+v %v", o, err)
	}
	st := defaultSettings()
	if err := applyFlags(&st, o); err != nil || st.Browser != "127.0.0.1:4000" || st.BrowserTo != "localhost:8080" {
		t.Fatalf("settings: %+v %v", st, err)
	}
}
