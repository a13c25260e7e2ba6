package config

import "testing"

// Browser reload (#19): browser and browser_to, at the top level or per process.
func TestLoadBrowserKeys(t *testing.T) {
	cfg, _, err := load(t, `
[process.web]
run = "./cmd/web"
browser = "127.0.0.1:3000"
browser_to = "localhost:8080"

[process.api]
run = "./cmd/web"
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cfg.Processes {
		switch p.Name {
		case "web":
			if p.Browser != "127.0.0.1:3000" || p.BrowserTo != "localhost:8080" {
				t.Errorf("web: browser %q browser_to %q", p.Browser, p.BrowserTo)
			}
		case "api":
			if p.Browser != "" || p.BrowserTo != "" {
				t.Errorf("api has browser settings: %q %q", p.Browser, p.BrowserTo)
			}
		}
	}
	if _, _, err := load(t, "run = \"./cmd/web\"\nbrowser = 3000\n"); err == nil {
		t.Errorf("browser = 3000 (not a string) was accepted")
	}
}
