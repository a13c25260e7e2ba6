package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sample is one value of a kind, written as a flag's word and as a devrun.toml value; bad is
// the message both must refuse it with ("" when both accept it).
type sample struct {
	word, toml, bad string
}

var samples = map[*Kind][]sample{
	kinds["string"]: {{"npm run dev", `"npm run dev"`, ""}},
	kinds["bool"]:   {{"true", "true", ""}, {"false", "false", ""}, {"yes", `"yes"`, `want true or false, got "yes"`}},
	kinds["count"]:  {{"2", "2", ""}, {"0", "0", "must be 1 or more, got 0"}, {"two", `"two"`, `want a whole number, got "two"`}},
	kinds["duration"]: {{"150ms", `"150ms"`, ""}, {"1.5", `"1.5"`, ""}, {"fast", `"fast"`, `"fast" is not a duration`},
		{"-1s", `"-1s"`, `"-1s" is negative`}},
	kinds["signal"]:      {{"TERM", `"TERM"`, ""}, {"SIGABRT", `"SIGABRT"`, ""}, {"TREM", `"TREM"`, `"TREM" is not a signal devrun can send (did you mean "SIGTERM"?)`}},
	kinds["restart"]:     {{"always", `"always"`, ""}, {"on_crash", `"on_crash"`, `"on_crash" is not a restart policy`}},
	kinds["name"]:        {{"shop", `"shop"`, ""}, {"../x", `"../x"`, `"../x": a name may hold`}, {".x", `".x"`, `".x": a name may hold`}},
	kinds["file"]:        {{".env", `".env"`, ""}, {"nope.env", `"nope.env"`, "nope.env: no such file or folder"}, {"sub", `"sub"`, "sub is a folder, not a file"}},
	kinds["dir"]:         {{"sub", `"sub"`, ""}, {".env", `".env"`, ".env is not a folder"}},
	kinds["args"]:        {{"-tags dev", `"-tags dev"`, ""}, {"'open", `"'open"`, "unterminated ' quote"}},
	kinds["paths"]:       {{"sub", `"sub"`, ""}, {"+sub", `["+sub"]`, ""}, {"nope", `"nope"`, "nope: no such file or folder"}},
	kinds["exts"]:        {{"go,tmpl", `"go,tmpl"`, ""}, {"+tmpl", `"+tmpl"`, ""}, {"*.tmpl", `"*.tmpl"`, `"*.tmpl" is not a file extension`}},
	kinds["globs"]:       {{"**/*.gen.go", `"**/*.gen.go"`, ""}, {"[", `"["`, `"[" is not a valid glob`}},
	kinds["env"]:         {{"A=1", `["A=1"]`, ""}, {"1A=x", `["1A=x"]`, `"1A=x" is not KEY=VALUE`}},
	kinds["send_rule"]:   {{"templates/**=reload", `"templates/**=reload"`, ""}, {"templates/**", `"templates/**"`, `"templates/**" is not GLOB=METHOD`}, {"[=x", `"[=x"`, `"[" is not a valid glob`}},
	kinds["run_rule"]:    {{"*.css=make css", `["*.css=make css"]`, ""}, {"=make", `"=make"`, `"=make" is not GLOB=COMMAND`}},
	kinds["signal_rule"]: {{"config/*.yaml=HUP", `"config/*.yaml=HUP"`, ""}, {"x=HUPP", `"x=HUPP"`, `"HUPP" is not a signal`}},
	kinds["hostport"]:    {{"127.0.0.1:3000", `"127.0.0.1:3000"`, ""}, {":8080", `":8080"`, ""}, {"localhost", `"localhost"`, `"localhost" is not host:port`}, {"x:http", `"x:http"`, `"x:http": "http" is not a port number`}},
	kinds["debug"]:       {{"on", `"on"`, ""}, {"2346", `"2346"`, ""}, {"127.0.0.1:2346", `"127.0.0.1:2346"`, ""}, {"99999", `"99999"`, `"99999" is not a port number`}, {"x:y", `"x:y"`, `"x:y": want on, off, a port or host:port`}},
	kinds["listen"]: {{"tmp/app.sock", `"tmp/app.sock"`, ""}, {"web=127.0.0.1:0", `"web=127.0.0.1:0"`, ""},
		{"a:b:c", `"a:b:c"`, `"a:b:c" is not host:port`}},
}

// notFlags are the settings that are positional on the command line, or relate processes.
var notFlags = map[string]bool{"run": true, "args": true, "depends_on": true, "on_change": true}

// TestEveryFieldIsAFlagAndAKey walks the schema: each setting is a flag and a key, and each
// sample value gets the same verdict from both, with the same value or the same message.
func TestEveryFieldIsAFlagAndAKey(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, p := range []string{"sub", "tmp"} {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(".env", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range Fields() {
		if f.Flag == "" {
			if !notFlags[f.Key] {
				t.Errorf("%s is a key but not a flag", f.Key)
			}
			continue
		}
		if f.Flag != strings.ReplaceAll(f.Key, "_", "-") || f.Help == "" {
			t.Errorf("%s: flag %q, help %q", f.Key, f.Flag, f.Help)
		}
		if len(samples[f.Kind]) == 0 {
			t.Errorf("%s: no samples for kind %s", f.Key, f.Kind.Name)
		}
		for _, sm := range samples[f.Kind] {
			fl := NewFlags("devrun")
			flagErr := fl.Parse([]string{"--" + f.Flag + "=" + sm.word})
			if err := os.WriteFile(FileName, []byte(f.Key+" = "+sm.toml+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, fileErr := Load(FileName)
			if sm.bad == "" {
				if flagErr != nil || fileErr != nil {
					t.Errorf("%s = %s: flag error %v, file error %v; want both to accept it", f.Key, sm.word, flagErr, fileErr)
					continue
				}
				if !fl.Settings.Set[f.Key] || !cfg.Settings.Process.Set[f.Key] {
					t.Errorf("%s = %s: not marked as set", f.Key, sm.word)
				}
				fromFlag, fromFile := f.value(&fl.Settings).Interface(), f.value(&cfg.Settings).Interface()
				if !reflect.DeepEqual(fromFlag, fromFile) {
					t.Errorf("%s = %s: flag gives %#v, file gives %#v", f.Key, sm.word, fromFlag, fromFile)
				}
				continue
			}
			var fe *Error
			switch {
			case flagErr == nil || fileErr == nil:
				t.Errorf("%s = %s: flag error %v, file error %v; want both to refuse it", f.Key, sm.word, flagErr, fileErr)
			case !errors.As(fileErr, &fe):
				t.Errorf("%s = %s: file error %T %v is not a config error", f.Key, sm.word, fileErr, fileErr)
			case flagErr.Error() != "--"+f.Flag+": "+fe.Msg:
				t.Errorf("%s = %s: flag says %q, file says %q", f.Key, sm.word, flagErr, fe.Msg)
			case !strings.Contains(fe.Msg, sm.bad) || fe.Line != 1 || fe.Key != f.Key:
				t.Errorf("%s = %s: file error %v, want line 1, key %s and %q", f.Key, sm.word, fe, f.Key, sm.bad)
			}
		}
	}
}

// TestDefaultsParse: every default is a value its own kind reads, and help shows it.
func TestDefaultsParse(t *testing.T) {
	d := Defaults()
	if d.Signal != "SIGTERM" || d.Restart != "on-crash" || d.Scale != 1 || d.Grace.String() != "5s" {
		t.Errorf("Defaults = %+v", d)
	}
	if len(d.Set) != 0 {
		t.Errorf("Defaults marks %v as set", d.Set)
	}
}

// TestFlagAliasesAndSuggestions: other tools' spellings work, typos get a suggestion.
func TestFlagAliasesAndSuggestions(t *testing.T) {
	fl := NewFlags("devrun")
	if err := fl.Parse([]string{"-V", "-L", "--no-colors", "--no_gitignore"}); err != nil {
		t.Fatal(err)
	}
	s := fl.Settings
	if !s.Verbose || s.Poll.String() != "500ms" || !s.NoColor || !s.NoGitignore {
		t.Errorf("aliases gave %+v", s)
	}
	for _, k := range []string{"verbose", "poll", "no_color", "no_gitignore"} {
		if !s.Set[k] {
			t.Errorf("%s not marked as set", k)
		}
	}
	err := NewFlags("devrun").Parse([]string{"--wach", "src"})
	if err == nil || !strings.Contains(err.Error(), "did you mean --watch?") {
		t.Errorf("--wach: %v", err)
	}
}

// TestOverride: flags lay over the file as documented.
func TestOverride(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	base := Defaults()
	fileFlags := NewFlags("file")
	if err := fileFlags.Parse([]string{"-e", "go,html", "-i", "a/", "--env", "A=1", "--env", "B=2", "-w", "a", "-s", "INT"}); err != nil {
		t.Fatal(err)
	}
	base.Override(&fileFlags.Settings)
	fl := NewFlags("devrun")
	if err := fl.Parse([]string{"-e", "+tmpl", "-i", "b/", "--env", "B=3", "-w", "b", "--overlap"}); err != nil {
		t.Fatal(err)
	}
	base.Override(&fl.Settings)
	abs := func(p string) string { return filepath.Join(dir, p) }
	if got := base.Ext; !reflect.DeepEqual(got, []string{"go", "html", "+tmpl"}) {
		t.Errorf("Ext = %v", got)
	}
	if got := base.Ignore; !reflect.DeepEqual(got, []string{"a/", "b/"}) {
		t.Errorf("Ignore = %v", got)
	}
	if got := base.Env; !reflect.DeepEqual(got, []string{"A=1", "B=3"}) {
		t.Errorf("Env = %v", got)
	}
	if got := base.Watch; !reflect.DeepEqual(got, []string{abs("b")}) {
		t.Errorf("Watch = %v (a plain -w replaces)", got)
	}
	if base.Signal != "SIGINT" || !base.Overlap {
		t.Errorf("Signal %s, Overlap %v", base.Signal, base.Overlap)
	}
	if exts, replace := SplitAdding(base.Ext); !replace || !reflect.DeepEqual(exts, []string{"go", "html", "tmpl"}) {
		t.Errorf("SplitAdding = %v, %v", exts, replace)
	}
}

func TestNameFrom(t *testing.T) {
	for in, want := range map[string]string{"shop": "shop", "my app": "my-app", ".hidden": "hidden", "/": "-", "": "devrun", "..": "devrun"} {
		got := NameFrom(in)
		if got != want {
			t.Errorf("NameFrom(%q) = %q, want %q", in, got, want)
		}
		if _, err := parseName(got, ""); err != nil {
			t.Errorf("NameFrom(%q) = %q is not a valid name: %v", in, got, err)
		}
	}
}
