// Command restart measures how fast devrun restarts a program after a save:
//
//	go run ./bench/restart
//
// It builds devrun and a tiny child that reports to a Unix socket as soon as it runs, then
// times "file written" to "new child running" over many saves, for the default settings and
// for --delay 0, beside the same stop-and-start done directly (no devrun) as the floor. It
// also sends bursts of 5 saves 20 ms apart and counts the restarts each burst causes. Where
// nodemon is on PATH it is measured the same way.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/devrun-dev/devrun/bench/internal/benchkit"
)

const childSource = `package main

import (
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	c, err := net.Dial("unix", os.Getenv("BENCH_SOCK"))
	if err != nil {
		os.Exit(3)
	}
	c.Write([]byte("up\n"))
	<-sigs
}
`

func main() {
	saves := flag.Int("saves", 40, "saves to time per configuration")
	bursts := flag.Int("bursts", 10, "bursts of 5 saves 20 ms apart")
	flag.Parse()
	if err := run(*saves, *bursts); err != nil {
		fmt.Fprintln(os.Stderr, "bench/restart:", err)
		os.Exit(1)
	}
}

func run(saves, bursts int) error {
	work, devrun, err := benchkit.Work("devrun-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	child := filepath.Join(work, "child")
	childDir := filepath.Join(work, "childsrc")
	os.MkdirAll(childDir, 0o755)
	os.WriteFile(filepath.Join(childDir, "main.go"), []byte(childSource), 0o644)
	os.WriteFile(filepath.Join(childDir, "go.mod"), []byte("module child\n\ngo 1.21\n"), 0o644)
	cmd := exec.Command("go", "build", "-o", child, ".")
	cmd.Dir, cmd.Stderr = childDir, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the child: %w", err)
	}

	fmt.Printf("save -> new child running, %d saves each (median, p90)\n", saves)
	direct, err := timeDirect(work, child, saves)
	if err != nil {
		return err
	}
	report("stop + start directly (the floor)", direct)
	for _, cfg := range []struct {
		name string
		args []string
	}{
		{"devrun, defaults (22 ms quiet time)", nil},
		{"devrun --delay 0", []string{"--delay", "0"}},
	} {
		d, err := timeRunner(work, append(append([]string{devrun}, cfg.args...), "-w", "WATCH", "--", child), saves)
		if err != nil {
			return err
		}
		report(cfg.name, d)
		if cfg.args == nil {
			counts, err := countBursts(work, []string{devrun, "-w", "WATCH", "--", child}, bursts)
			if err != nil {
				return err
			}
			fmt.Printf("  bursts of 5 saves 20 ms apart: restarts per burst %v\n", counts)
		}
	}
	if nodemon, err := exec.LookPath("nodemon"); err == nil {
		d, err := timeRunner(work, []string{nodemon, "-q", "--watch", "WATCH", "-e", "txt", "--exec", child}, saves)
		if err != nil {
			return fmt.Errorf("nodemon: %w", err)
		}
		report("nodemon (defaults)", d)
		counts, err := countBursts(work, []string{nodemon, "-q", "--watch", "WATCH", "-e", "txt", "--exec", child}, bursts)
		if err != nil {
			return fmt.Errorf("nodemon: %w", err)
		}
		fmt.Printf("  nodemon, bursts of 5 saves 20 ms apart: restarts per burst %v\n", counts)
	} else {
		fmt.Println("nodemon: not on PATH, not measured (npm i -g nodemon to compare)")
	}
	return nil
}

// arrivals listens where the child reports; each accepted connection is one child start.
func arrivals(dir string) (string, <-chan time.Time, func(), error) {
	sock := filepath.Join(dir, fmt.Sprintf("bench-%d.sock", time.Now().UnixNano()))
	l, err := net.Listen("unix", sock)
	if err != nil {
		return "", nil, nil, err
	}
	ch := make(chan time.Time, 64)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			ch <- time.Now()
			go func() {
				buf := make([]byte, 16)
				for {
					if _, err := c.Read(buf); err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	return sock, ch, func() { l.Close(); os.Remove(sock) }, nil
}

func waitArrival(ch <-chan time.Time) (time.Time, error) {
	select {
	case t := <-ch:
		return t, nil
	case <-time.After(10 * time.Second):
		return time.Time{}, errors.New("the child did not start within 10s")
	}
}

// timeRunner starts a runner (devrun or nodemon) on a fresh folder and times saves of a file
// in it. "WATCH" in argv is replaced by the folder.
func timeRunner(work string, argv []string, saves int) ([]time.Duration, error) {
	p, err := startRunner(work, argv)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	var out []time.Duration
	for i := 0; i < saves; i++ {
		time.Sleep(150 * time.Millisecond) // let the new child settle, as between real saves
		start := time.Now()
		os.WriteFile(p.file, []byte(fmt.Sprint(i)), 0o644)
		at, err := waitArrival(p.arrivals)
		if err != nil {
			return nil, err
		}
		out = append(out, at.Sub(start))
	}
	return out, nil
}

// countBursts writes 5 saves 20 ms apart and counts the child starts that follow.
func countBursts(work string, argv []string, bursts int) ([]int, error) {
	p, err := startRunner(work, argv)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	var counts []int
	for b := 0; b < bursts; b++ {
		for i := 0; i < 5; i++ {
			os.WriteFile(p.file, []byte(fmt.Sprint(b, i)), 0o644)
			time.Sleep(20 * time.Millisecond)
		}
		n := 0
		quiet := time.After(time.Second)
	count:
		for {
			select {
			case <-p.arrivals:
				n++
			case <-quiet:
				break count
			}
		}
		counts = append(counts, n)
	}
	return counts, nil
}

type runnerProc struct {
	cmd      *exec.Cmd
	file     string
	arrivals <-chan time.Time
	closeL   func()
}

func startRunner(work string, argv []string) (*runnerProc, error) {
	dir, err := os.MkdirTemp(work, "watched")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "file.txt")
	os.WriteFile(file, []byte("start"), 0o644)
	sock, ch, closeL, err := arrivals(work)
	if err != nil {
		return nil, err
	}
	args := make([]string, len(argv))
	for i, a := range argv {
		if a == "WATCH" {
			a = dir
		}
		args[i] = a
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BENCH_SOCK="+sock, "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		closeL()
		return nil, err
	}
	p := &runnerProc{cmd: cmd, file: file, arrivals: ch, closeL: closeL}
	if _, err := waitArrival(ch); err != nil {
		p.stop()
		return nil, fmt.Errorf("%s: %w", args[0], err)
	}
	time.Sleep(300 * time.Millisecond) // the runner's watcher may start after its first child
	return p, nil
}

func (p *runnerProc) stop() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	p.closeL()
}

// timeDirect is the floor: SIGTERM the child, wait for it, start a new one, wait until it runs.
func timeDirect(work, child string, saves int) ([]time.Duration, error) {
	sock, ch, closeL, err := arrivals(work)
	if err != nil {
		return nil, err
	}
	defer closeL()
	start := func() (*exec.Cmd, error) {
		c := exec.Command(child)
		c.Env = append(os.Environ(), "BENCH_SOCK="+sock)
		return c, c.Start()
	}
	cur, err := start()
	if err != nil {
		return nil, err
	}
	if _, err := waitArrival(ch); err != nil {
		return nil, err
	}
	var out []time.Duration
	for i := 0; i < saves; i++ {
		time.Sleep(150 * time.Millisecond)
		t0 := time.Now()
		cur.Process.Signal(syscall.SIGTERM)
		cur.Wait()
		if cur, err = start(); err != nil {
			return nil, err
		}
		at, err := waitArrival(ch)
		if err != nil {
			return nil, err
		}
		out = append(out, at.Sub(t0))
	}
	cur.Process.Signal(syscall.SIGTERM)
	cur.Wait()
	return out, nil
}

func report(name string, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(x time.Duration) string { return fmt.Sprintf("%.1f ms", float64(x.Microseconds())/1000) }
	fmt.Printf("  %-40s median %-9s p90 %s\n", name, ms(d[len(d)/2]), ms(d[len(d)*9/10]))
}
