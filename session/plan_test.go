package session

import (
	"reflect"
	"testing"

	"github.com/devrun-dev/devrun/internal/config"
)

func TestPlanChanges(t *testing.T) {
	templates := config.Rule{Files: []string{"templates/**", "*.html"}, Send: "reload-templates"}
	css := config.Rule{Files: []string{"styles/**/*.css"}, Run: "make css"}
	yaml := config.Rule{Files: []string{"config/*.yaml"}, Signal: "SIGHUP"}
	rules := []config.Rule{templates, css, yaml}
	cases := []struct {
		name  string
		files []string
		want  Plan
	}{
		{"nothing matches", []string{"/p/main.go"}, Plan{Restart: []string{"main.go"}}},
		{"one handler, files grouped", []string{"/p/templates/a.tmpl", "/p/web/index.html", "/p/templates/x/b.tmpl"},
			Plan{Actions: []Action{{templates, []string{"templates/a.tmpl", "web/index.html", "templates/x/b.tmpl"}}}}},
		{"first match decides", []string{"/p/templates/site.css"}, Plan{Actions: []Action{{templates, []string{"templates/site.css"}}}}},
		{"mixed batch", []string{"/p/main.go", "/p/styles/a/b.css", "/p/config/app.yaml", "/p/index.html"},
			Plan{Restart: []string{"main.go"}, Actions: []Action{{css, []string{"styles/a/b.css"}}, {yaml, []string{"config/app.yaml"}}, {templates, []string{"index.html"}}}}},
		{"a slash pattern is anchored", []string{"/p/sub/config/app.yaml"}, Plan{Restart: []string{"sub/config/app.yaml"}}},
		{"relative paths", []string{"config/a.yaml"}, Plan{Actions: []Action{{yaml, []string{"config/a.yaml"}}}}},
	}
	for _, tc := range cases {
		if got := PlanChanges(rules, "/p", tc.files); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}
