package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestLoadFullExample(t *testing.T) {
	dir, err := filepath.Abs("testdata/full")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "full", "devrun.toml")
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != path || cfg.Dir != dir {
		t.Errorf("Path, Dir = %s, %s; want %s, %s", cfg.Path, cfg.Dir, path, dir)
	}
	if cfg.Settings.Name != "shop" || !cfg.Clear || cfg.NoColor || cfg.Quiet || !cfg.Verbose {
		t.Errorf("top level = name %q clear %v no_color %v quiet %v verbose %v", cfg.Name, cfg.Clear, cfg.NoColor, cfg.Quiet, cfg.Verbose)
	}
	if !cfg.Set["no_color"] || cfg.Set["quiet"] {
		t.Errorf("Set = %v: want no_color (given false) and not quiet", cfg.Set)
	}
	envFile := filepath.Join(dir, ".env")
	common := map[string]bool{"delay": true, "grace": true, "signal": true, "ignore": true, "env": true, "env_file": true}
	withSet := func(keys ...string) map[string]bool {
		m := map[string]bool{}
		for k := range common {
			m[k] = true
		}
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	want := []Process{
		{
			Name: "web", Run: "./cmd/web", Args: []string{"--port", "8080"}, BuildFlags: []string{"-tags", "dev"},
			Watch: []string{filepath.Join(dir, "cmd/web"), filepath.Join(dir, "internal")},
			Ext:   []string{"go", "tmpl"}, Ignore: []string{"**/*.gen.go"},
			Delay: 150 * time.Millisecond, Signal: "SIGTERM", Grace: 3 * time.Second, Restart: "always",
			Env:     []string{"APP_ENV=dev", "LOG_LEVEL=info", "PORT=8080"},
			EnvFile: envFile,
			Listen:  []string{"http=127.0.0.1:8080", "admin=" + filepath.Join(dir, "run/admin.sock")},
			Overlap: true, ReadyTimeout: 20 * time.Second, Scale: 1, DependsOn: []string{"worker"}, Dir: dir,
			Set: withSet("run", "args", "build_flags", "watch", "ext", "listen", "overlap", "ready_timeout", "restart", "depends_on"),
		},
		{
			Name: "worker", Run: "./cmd/worker", Ignore: []string{"**/*.gen.go"},
			Delay: 0, Signal: "SIGINT", Grace: 10 * time.Second, Restart: "on-crash",
			Env:     []string{"APP_ENV=dev", "LOG_LEVEL=debug"},
			EnvFile: envFile, Scale: 2, Dir: dir, ReadyTimeout: 10 * time.Second,
			Set: withSet("run", "scale", "restart"),
		},
		{
			Name: "front", Exec: "npm run dev", Build: "npm ci && npm run build",
			Watch: []string{filepath.Join(dir, "frontend/src")}, Ext: []string{"js", "jsx", "css"},
			Ignore: []string{"**/*.gen.go"}, Delay: 150 * time.Millisecond, Signal: "SIGTERM", Grace: 3 * time.Second,
			Env:     []string{"APP_ENV=dev", "LOG_LEVEL=debug", "NODE_ENV=development"},
			EnvFile: envFile, Poll: 500 * time.Millisecond, NoGitignore: true, Scale: 1,
			Restart: "on-crash", ReadyTimeout: 10 * time.Second,
			DependsOn: []string{"web"}, Dir: filepath.Join(dir, "frontend"),
			Set: withSet("dir", "exec", "build", "watch", "ext", "poll", "no_gitignore", "depends_on"),
		},
	}
	if len(cfg.Processes) != len(want) {
		t.Fatalf("%d processes, want %d", len(cfg.Processes), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(cfg.Processes[i], want[i]) {
			t.Errorf("process %d:\n got %+v\nwant %+v", i, cfg.Processes[i], want[i])
		}
	}
	if !cfg.Processes[1].IsSet("delay") || cfg.Processes[1].Delay != 0 {
		t.Errorf("worker's delay = \"0s\" must be set and zero")
	}
	order, err := Order(cfg.Processes)
	if err != nil || !slices.Equal(order, []string{"worker", "web", "front"}) {
		t.Errorf("Order = %v, %v; want [worker web front]", order, err)
	}
}

// load writes src as devrun.toml in a temporary folder holding a few files and loads it.
func load(t *testing.T, src string) (*Config, string, error) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"cmd/web", "web", "internal"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{".env", "web/.env", "notadir"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	return cfg, dir, err
}

func TestLoadSingleTopLevelProcess(t *testing.T) {
	cfg, dir, err := load(t, "run = \"./cmd/web\"\nargs = \"--port 8080 --name 'my app'\"\nwatch = \"internal\"\ndelay = \"0\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Processes) != 1 {
		t.Fatalf("Processes = %+v, want one", cfg.Processes)
	}
	p := cfg.Processes[0]
	if p.Name != "" || p.Run != "./cmd/web" || !slices.Equal(p.Args, []string{"--port", "8080", "--name", "my app"}) ||
		!slices.Equal(p.Watch, []string{filepath.Join(dir, "internal")}) || p.Dir != dir || p.Scale != 1 || !p.IsSet("delay") {
		t.Errorf("process = %+v", p)
	}
	p.Set = cfg.Process.Set
	if !reflect.DeepEqual(p, cfg.Process) {
		t.Errorf("the lone process differs from the top level:\n%+v\n%+v", p, cfg.Process)
	}
}

// TestLoadDefaultsOnly: a file with settings but no run configures the target given on the
// command line.
func TestLoadDefaultsOnly(t *testing.T) {
	cfg, _, err := load(t, "ext = [\"go\", \"tmpl\"]\nrestart = \"never\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Processes) != 0 || !slices.Equal(cfg.Process.Ext, []string{"go", "tmpl"}) || cfg.Process.Restart != "never" {
		t.Errorf("cfg = %+v", cfg)
	}
	if cfg.Process.IsSet("delay") {
		t.Errorf("delay reported as set")
	}
}

// TestRelativePathsFollowTheirTable: a top-level env_file is the project's, even for a process
// with its own dir; the process's own keys are relative to its dir.
func TestRelativePathsFollowTheirTable(t *testing.T) {
	cfg, dir, err := load(t, `env_file = ".env"
[process.web]
dir = "web"
run = "server.js"
watch = "."
[process.api]
run = "./cmd/web"
env_file = "web/.env"
`)
	if err != nil {
		t.Fatal(err)
	}
	web, api := cfg.Processes[0], cfg.Processes[1]
	if web.EnvFile != filepath.Join(dir, ".env") || web.Dir != filepath.Join(dir, "web") || !slices.Equal(web.Watch, []string{filepath.Join(dir, "web")}) {
		t.Errorf("web = %+v", web)
	}
	if api.EnvFile != filepath.Join(dir, "web/.env") || api.Dir != dir {
		t.Errorf("api = %+v", api)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	if _, ok := Find(dir); ok {
		t.Fatal("found a config in an empty folder")
	}
	if err := os.Mkdir(filepath.Join(dir, FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := Find(dir); ok {
		t.Fatal("took a folder named devrun.toml for a config")
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, ok := Find(other); !ok || p != filepath.Join(other, FileName) {
		t.Fatalf("Find = %s, %v", p, ok)
	}
}

func TestOrder(t *testing.T) {
	procs := func(deps ...[]string) []Process {
		names := []string{"a", "b", "c", "d"}
		var ps []Process
		for i, d := range deps {
			ps = append(ps, Process{Name: names[i], DependsOn: d})
		}
		return ps
	}
	cases := []struct {
		procs   []Process
		want    []string
		wantErr string
	}{
		{procs: procs(nil, nil, nil), want: []string{"a", "b", "c"}},
		{procs: procs([]string{"c"}, nil, []string{"b"}), want: []string{"b", "c", "a"}},
		{procs: procs([]string{"b", "c"}, []string{"d"}, nil, nil), want: []string{"c", "d", "b", "a"}},
		{procs: procs([]string{"b"}, []string{"c"}, []string{"a"}), wantErr: "dependency cycle: a -> b -> c -> a"},
		{procs: procs(nil, []string{"b"}), wantErr: "dependency cycle: b -> b"},
		{procs: procs([]string{"x"}), wantErr: `process a depends on "x", which is not a process`},
	}
	for i, tc := range cases {
		got, err := Order(tc.procs)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("case %d: err = %v, want %q", i, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("case %d: Order = %v, %v; want %v", i, got, err, tc.want)
		}
	}
}

func TestLoadRules(t *testing.T) {
	cfg, _, err := load(t, `send_on = "*.tmpl=reload-tmpl"
[process.web]
run = "./cmd/web"
[[process.web.on_change]]
files = ["templates/**", "*.html"]
send = "reload-templates"
[[process.web.on_change]]
files = "styles/**/*.css"
run = "npx tailwindcss -o static/app.css"
restart = true
[[process.web.on_change]]
files = ["config/*.yaml"]
signal = "HUP"
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Files: []string{"templates/**", "*.html"}, Send: "reload-templates"},
		{Files: []string{"styles/**/*.css"}, Run: "npx tailwindcss -o static/app.css", Restart: true},
		{Files: []string{"config/*.yaml"}, Signal: "SIGHUP"},
		{Files: []string{"*.tmpl"}, Send: "reload-tmpl"},
	}
	if got := cfg.Processes[0].Rules(); !reflect.DeepEqual(got, want) {
		t.Errorf("Rules =\n%+v\nwant\n%+v", got, want)
	}
}

// TestLoadGoModeKeys: debug and no_templates (#15).
func TestLoadGoModeKeys(t *testing.T) {
	cfg, _, err := load(t, "run = \".\"\ndebug = true\nno_templates = true\n")
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Processes[0]; p.Debug != "on" || !p.NoTemplates {
		t.Errorf("process = %+v", p)
	}
	if _, _, err := load(t, "debug = \"maybe\"\n"); err == nil {
		t.Error("debug = \"maybe\" accepted")
	}
}
