package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

// allPoll is how often `devrun events --all` looks for devruns that started since.
const allPoll = 500 * time.Millisecond

func cmdEvents(ctx context.Context, args []string, s IO) error {
	fs := subFlags("events", "[-n NAME | NAME | --all] [--json] [--kind KIND,...] [--since SEQ]\n         [--no-follow]", s)
	name := nameFlag(fs)
	all := fs.Bool("all", false, "every running devrun, and those that start later")
	asJSON := fs.Bool("json", false, "one JSON object per line (the schema is in the README)")
	kindList := fs.String("kind", "", "only these kinds, comma-separated: "+kindNames())
	since := fs.Int64("since", -1, "first print the kept events after this seq (0: all of the last 200)")
	noFollow := fs.Bool("no-follow", false, "print the kept events (see --since) and exit")
	target, err := parseNamed(fs, args, name)
	if err != nil {
		return err
	}
	kinds, err := childrpc.ParseEventKinds(*kindList)
	if err != nil {
		return UsageError{fmt.Errorf("events: --kind: %v", err)}
	}
	if *all && target != "" {
		return UsageError{errors.New("events: --all or a NAME, not both")}
	}
	if *noFollow && *since < 0 {
		*since = 0
	}
	var mu sync.Mutex
	show := func(e childrpc.Event) {
		if len(kinds) > 0 && !slices.Contains(kinds, e.Kind) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if *asJSON {
			b, _ := json.Marshal(e)
			fmt.Fprintln(s.Out, string(b))
			return
		}
		fmt.Fprintln(s.Out, eventLine(e, *all))
	}
	if !*all {
		stream, err := childrpc.FollowEvents(ctx, target, *since, !*noFollow)
		if err != nil {
			return InputError{errors.New(strings.TrimPrefix(err.Error(), "childrpc: "))}
		}
		defer stream.Close()
		return copyEvents(ctx, stream, show)
	}
	return followAll(ctx, *since, !*noFollow, show)
}

// copyEvents prints a stream's events until it ends.
func copyEvents(ctx context.Context, stream *childrpc.EventStream, show func(childrpc.Event)) error {
	for {
		e, err := stream.Next(ctx)
		if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
			return nil
		}
		if err != nil {
			return err
		}
		show(e)
	}
}

// followAll follows every devrun that runs now or starts later, until ctx ends (or, without
// follow, prints the kept events of those running now).
func followAll(ctx context.Context, since int64, follow bool, show func(childrpc.Event)) error {
	seen := map[string]bool{}
	var wg sync.WaitGroup
	defer wg.Wait()
	for first := true; ; first = false {
		list, err := childrpc.Instances(ctx)
		if err != nil {
			return err
		}
		for _, in := range list {
			if seen[in.Name] {
				continue
			}
			seen[in.Name] = true
			from := since
			if !first {
				from = 0 // it started after us: all of it is news
			}
			stream, err := childrpc.FollowEvents(ctx, in.Name, from, follow)
			if err != nil {
				continue // it stopped in between
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer stream.Close()
				copyEvents(ctx, stream, show)
			}()
		}
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(allPoll):
		}
	}
}

// eventLine is an event as a human reads it: "15:04:05.000 web.1 build failed in 1.2s", and
// a failed build's output under it.
func eventLine(e childrpc.Event, withDevrun bool) string {
	var b strings.Builder
	b.WriteString(e.Time.Local().Format("15:04:05.000"))
	who := e.Process
	if e.Instance > 0 {
		who += fmt.Sprintf(".%d", e.Instance)
	}
	if withDevrun && who != "" {
		who = e.Devrun + "/" + who
	} else if withDevrun {
		who = e.Devrun
	}
	if who != "" {
		b.WriteString(" " + who)
	}
	b.WriteString(" " + e.Message)
	if e.Kind == childrpc.EventBuildFailed && e.Output != "" {
		for _, line := range strings.Split(strings.TrimRight(e.Output, "\n"), "\n") {
			b.WriteString("\n    " + line)
		}
		if e.OutputCut {
			b.WriteString("\n    (cut)")
		}
	}
	return b.String()
}

func kindNames() string {
	names := make([]string, len(childrpc.EventKinds))
	for i, k := range childrpc.EventKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
