// Command bigtree measures the watcher on a big tree (issue 8): it builds a tree of
// 100,000 files in 10,000 folders (once; it is reused), then, in a fresh process for each
// mode (inotify, then polling), measures:
//
//   - ready: time and CPU until watcher.New returns (every folder watched or polled);
//   - RSS once ready, and the peak;
//   - idle CPU over -idle seconds, in % of one core;
//   - change latency: a write in the deepest folder until the batch that reports it
//     (the first write, then the median of the next ones).
//
// It can measure an external command the same way (-exec name=command, repeatable): the
// command runs in the tree through sh -c "exec command" and must start a child that appends
// a line to the file named by $BIGTREE_MARKER at every (re)start, e.g.
//
//	go run ./bench/bigtree -exec 'devrun=devrun -e go -- sh -c "echo >> $BIGTREE_MARKER; exec sleep 1000000"'
//
// Ready is then the time to the first child, and the change latency the time to the next
// one; CPU and RSS are the command's own (from /proc). Run from the module root:
//
//	go run ./bench/bigtree                       # both modes, 100,000 files
//	go run ./bench/bigtree -modes poll -poll 1s  # polling only, another interval
//	go run ./bench/bigtree -ignored 50000        # plus a node_modules of 50,000 files
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

type config struct {
	files, folders, fanout, ignored int
	dir                             string
	modes                           string
	poll, delay, idle               time.Duration
	changes                         int
	exts                            string
	execs                           execList
	others                          bool
	child                           string
	verbose                         bool
}

type execList []string

func (e *execList) String() string     { return strings.Join(*e, "; ") }
func (e *execList) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	var c config
	flag.IntVar(&c.files, "files", 100_000, "files in the tree")
	flag.IntVar(&c.folders, "folders", 10_000, "folders in the tree (besides its root)")
	flag.IntVar(&c.fanout, "fanout", 10, "subfolders per folder")
	flag.IntVar(&c.ignored, "ignored", 0, "files in an extra node_modules folder (ignored by default)")
	flag.StringVar(&c.dir, "dir", "", "where the tree is built and reused (default: a folder in $TMPDIR named after its size)")
	flag.StringVar(&c.modes, "modes", "notify,poll", "in-process modes to measure: notify, poll (comma-separated, or empty)")
	flag.DurationVar(&c.poll, "poll", 500*time.Millisecond, "polling interval of the poll mode")
	flag.DurationVar(&c.delay, "delay", 0, "the watcher's debounce delay")
	flag.DurationVar(&c.idle, "idle", 20*time.Second, "how long idle CPU is measured")
	flag.IntVar(&c.changes, "changes", 10, "change-latency samples")
	flag.StringVar(&c.exts, "exts", "", "watched extensions (comma-separated; empty: every file counts)")
	flag.Var(&c.execs, "exec", "name=command: measure an external command too (repeatable; see the package doc)")
	flag.BoolVar(&c.others, "others", true, "also measure nodemon when it is on PATH")
	flag.BoolVar(&c.verbose, "v", false, "show the external commands' output")
	flag.StringVar(&c.child, "child", "", "internal: measure this mode in this process")
	flag.Parse()

	if c.dir == "" {
		c.dir = filepath.Join(os.TempDir(), fmt.Sprintf("devrun-bigtree-%d-%d-%d-%d", c.files, c.folders, c.fanout, c.ignored))
	}
	if c.child != "" {
		if err := runChild(c); err != nil {
			fmt.Fprintln(os.Stderr, "bigtree:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "bigtree:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	t, err := ensureTree(c)
	if err != nil {
		return err
	}
	fmt.Printf("tree: %s: %d files in %d folders (fan-out %d, deepest %s)", c.dir, c.files, c.folders, c.fanout, t.deepestRel())
	if c.ignored > 0 {
		fmt.Printf(", plus node_modules: %d files", c.ignored)
	}
	fmt.Printf("\nidle CPU over %v, %d change samples, delay %v\n\n", c.idle, c.changes, c.delay)

	var results []result
	for _, mode := range strings.Split(c.modes, ",") {
		mode = strings.TrimSpace(mode)
		if mode == "" {
			continue
		}
		r, err := measureInChild(c, mode)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		results = append(results, r)
		printWarnings(r)
	}
	for _, spec := range append(c.execs, othersOnPath(c.others)...) {
		name, cmdline, ok := strings.Cut(spec, "=")
		if !ok {
			name, cmdline = strings.Fields(spec)[0], spec
		}
		r, err := measureExternal(c, t, name, cmdline)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bigtree: %s: %v\n", name, err)
			continue
		}
		results = append(results, r)
	}
	printTable(results)
	return nil
}

// measureInChild runs this program again to measure one mode in a process of its own, so
// that building the tree does not weigh on the RSS.
func measureInChild(c config, mode string) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	args := append([]string{"-child", mode}, os.Args[1:]...)
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, err
	}
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		return result{}, fmt.Errorf("child output %q: %w", out, err)
	}
	return r, nil
}

func printWarnings(r result) {
	for _, w := range r.Warnings {
		fmt.Printf("%s: warning: %s\n", r.Name, w)
	}
}

func printTable(rs []result) {
	fmt.Printf("\n%-10s %9s %9s %9s %9s %9s %10s %10s %9s %9s\n", "what", "folders", "ready", "readyCPU", "RSS", "peakRSS", "idleCPU", "1stChange", "change", "samples")
	for _, r := range rs {
		fmt.Printf("%-10s %9d %8.0fms %8.0fms %7.1fMB %7.1fMB %9.2f%% %8.1fms %7.1fms %9d\n",
			r.Name, r.Folders, r.ReadyMs, r.ReadyCPUMs, float64(r.RSSKB)/1024, float64(r.PeakRSSKB)/1024,
			r.IdleCPUPct, r.FirstChangeMs, r.ChangeMedianMs, r.Samples)
	}
	if len(rs) > 1 {
		base := rs[0]
		for _, r := range rs[1:] {
			fmt.Printf("%s vs %s: ready x%.2f, RSS x%.2f\n", r.Name, base.Name, r.ReadyMs/base.ReadyMs, float64(r.RSSKB)/float64(base.RSSKB))
		}
	}
	fmt.Println("\nready = New returned (external commands: first child started); readyCPU = CPU spent getting there;")
	fmt.Println("change = median latency from a write in the deepest folder to its batch (external: to the next child start)")
}

// othersOnPath gives the -exec specs of the other watchers installed here, so that one run
// compares them on the same tree; a missing one is simply not measured.
func othersOnPath(want bool) []string {
	if !want {
		return nil
	}
	var specs []string
	if _, err := exec.LookPath("nodemon"); err == nil {
		specs = append(specs, `nodemon=nodemon -q -w . -e go --exec 'sh -c "echo >> $BIGTREE_MARKER; exec sleep 1000000"'`)
	} else {
		fmt.Println("nodemon: not on PATH, not measured (npm i -g nodemon to compare)")
	}
	return specs
}
