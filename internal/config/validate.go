package config

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devrun-dev/devrun/childrpc"
)

// checkDependencies reports depends_on entries naming no process, and dependency cycles.
func (l *loader) checkDependencies(procs []Process, origins []map[string][]string) {
	names := make([]string, len(procs))
	for i, p := range procs {
		names[i] = p.Name
	}
	clean := make([]Process, 0, len(procs))
	for i, p := range procs {
		var deps []string
		for _, d := range p.DependsOn {
			if !slices.Contains(names, d) {
				hint := didYouMean(d, names)
				if hint == "" {
					hint = " (processes: " + strings.Join(names, ", ") + ")"
				}
				l.fail(origins[i]["depends_on"], "no process named %q%s", d, hint)
				continue
			}
			deps = append(deps, d)
		}
		p.DependsOn = deps
		clean = append(clean, p)
	}
	if cycle := findCycle(clean); cycle != nil {
		i := slices.Index(names, cycle[0])
		l.fail(origins[i]["depends_on"], "dependency cycle: %s", strings.Join(cycle, " -> "))
	}
}

// findCycle returns a dependency cycle as the names along it, first repeated at the end
// (web -> worker -> web), or nil. Unknown names are skipped.
func findCycle(procs []Process) []string {
	deps := map[string][]string{}
	for _, p := range procs {
		deps[p.Name] = p.DependsOn
	}
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		switch state[name] {
		case onPath:
			start := slices.Index(path, name)
			return append(slices.Clone(path[start:]), name)
		case done:
			return nil
		}
		state[name] = onPath
		path = append(path, name)
		for _, d := range deps[name] {
			if _, known := deps[d]; !known {
				continue
			}
			if c := visit(d); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, p := range procs {
		if c := visit(p.Name); c != nil {
			return c
		}
	}
	return nil
}

// Order returns the process names in a start order where each process comes after the ones it
// depends on; among processes free to start, file order is kept.
func Order(procs []Process) ([]string, error) {
	index := map[string]bool{}
	for _, p := range procs {
		index[p.Name] = true
	}
	for _, p := range procs {
		for _, d := range p.DependsOn {
			if !index[d] {
				return nil, fmt.Errorf("process %s depends on %q, which is not a process", p.Name, d)
			}
		}
	}
	if cycle := findCycle(procs); cycle != nil {
		return nil, fmt.Errorf("dependency cycle: %s", strings.Join(cycle, " -> "))
	}
	started := map[string]bool{}
	order := make([]string, 0, len(procs))
	for len(order) < len(procs) {
		for _, p := range procs {
			if started[p.Name] {
				continue
			}
			ready := true
			for _, d := range p.DependsOn {
				ready = ready && started[d]
			}
			if ready {
				started[p.Name] = true
				order = append(order, p.Name)
				break // back to the first: keeps file order among the free ones
			}
		}
	}
	return order, nil
}

// checkListenConflicts reports two processes (or one process twice) listening on one address.
// Instances of a scaled process share their sockets, so they do not conflict.
func (l *loader) checkListenConflicts(procs []Process, origins []map[string][]string) {
	type owner struct {
		proc int
		addr childrpc.ListenSpec
	}
	var owners []owner
	for i, p := range procs {
		for _, spec := range p.Listen {
			a, err := childrpc.ParseListenSpec(spec) // already checked and made absolute when read
			if err != nil {
				continue // reported when read
			}
			for _, o := range owners {
				if !sameAddress(o.addr, a) {
					continue
				}
				key, otherKey := origins[i]["listen"], origins[o.proc]["listen"]
				switch {
				case o.proc == i:
					l.fail(key, "%s is listed twice", a.String())
				case slices.Equal(key, otherKey):
					l.fail(key, "every process would listen on %s: put listen in the [process.NAME] table of the one that serves it", a.String())
				default:
					l.fail(key, "%s is already taken by process %s (%s, line %d)", a.String(), procs[o.proc].Name, dotted(otherKey), l.lines.line(otherKey))
				}
			}
			owners = append(owners, owner{i, a})
		}
	}
}

// sameAddress reports whether two sockets cannot both be bound: the same unix path, or the same
// TCP port where the hosts are equal or either is every address. Port 0 picks a free port.
func sameAddress(a, b childrpc.ListenSpec) bool {
	if a.Network == "unix" || b.Network == "unix" {
		return a.Network == b.Network && filepath.Clean(a.Address) == filepath.Clean(b.Address)
	}
	ahost, aport, _ := net.SplitHostPort(a.Address)
	bhost, bport, _ := net.SplitHostPort(b.Address)
	if aport != bport || aport == "0" {
		return false
	}
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	norm := func(h string) string {
		if h == "localhost" {
			return "127.0.0.1"
		}
		return h
	}
	return wildcard(ahost) || wildcard(bhost) || norm(ahost) == norm(bhost)
}
