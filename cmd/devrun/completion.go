package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
)

func init() {
	subcommands["completion"] = cmdCompletion
	subcommands["__complete"] = cmdComplete
}

// The scripts ask devrun itself for the live names (`devrun __complete`), so completion always
// matches what runs: instance names for -n and restart/stop/logs, the child's methods (from its
// devrun.hello) for send.
const bashCompletion = `# devrun completion for bash: source <(devrun completion bash)
_devrun() {
	local cur prev words cword
	_init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "ls send restart stop logs completion version help" -- "$cur")); compopt -o default 2>/dev/null
		return
	fi
	case "${words[1]}" in
	send)
		if [ "$prev" = -n ] || [ "$prev" = --name ]; then
			COMPREPLY=($(compgen -W "$(devrun __complete instances)" -- "$cur")); return
		fi
		local name="" i
		for ((i = 2; i < cword; i++)); do [ "${words[i]}" = -n ] && name=${words[i+1]}; done
		COMPREPLY=($(compgen -W "$(devrun __complete methods $name)" -- "$cur")) ;;
	restart|stop|logs) COMPREPLY=($(compgen -W "$(devrun __complete instances)" -- "$cur")) ;;
	completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
	*) compopt -o default 2>/dev/null; COMPREPLY=() ;;
	esac
}
complete -F _devrun devrun
`

const zshCompletion = `#compdef devrun
# devrun completion for zsh: source <(devrun completion zsh)
_devrun() {
	if (( CURRENT == 2 )); then
		compadd ls send restart stop logs completion version help; _files; return
	fi
	case $words[2] in
	send)
		if [[ $words[CURRENT-1] == -n || $words[CURRENT-1] == --name ]]; then
			compadd -- ${(f)"$(devrun __complete instances)"}; return
		fi
		local name=${words[(i)-n]}; name=${words[name+1]}
		compadd -- ${(f)"$(devrun __complete methods $name)"} ;;
	restart|stop|logs) compadd -- ${(f)"$(devrun __complete instances)"} ;;
	completion) compadd bash zsh fish ;;
	*) _files ;;
	esac
}
compdef _devrun devrun
`

const fishCompletion = `# devrun completion for fish: devrun completion fish | source
complete -c devrun -n '__fish_use_subcommand' -a 'ls send restart stop logs completion version help'
complete -c devrun -n '__fish_seen_subcommand_from restart stop logs' -f -a '(devrun __complete instances)'
complete -c devrun -n '__fish_seen_subcommand_from send' -s n -l name -x -a '(devrun __complete instances)'
complete -c devrun -n '__fish_seen_subcommand_from send' -f -a '(devrun __complete methods)'
complete -c devrun -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish'
`

func cmdCompletion(_ context.Context, args []string, s stdio) error {
	scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
	if len(args) != 1 || scripts[args[0]] == "" {
		return usageError{fmt.Errorf("completion: say which shell: devrun completion bash|zsh|fish")}
	}
	fmt.Fprint(s.out, scripts[args[0]])
	return nil
}

// cmdComplete prints one completion candidate a line; it stays quiet on every error, since
// whatever it prints lands in the user's command line.
func cmdComplete(ctx context.Context, args []string, s stdio) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list, err := childrpc.Instances(ctx)
	if err != nil || len(args) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	switch args[0] {
	case "instances":
		for _, in := range list {
			add(in.Name)
		}
	case "methods":
		for _, in := range list {
			if len(args) > 1 && args[1] != "" && in.Name != args[1] {
				continue
			}
			if len(args) == 1 && len(list) > 1 {
				break
			}
			for _, p := range in.Processes {
				for _, m := range p.Methods {
					add(m)
				}
			}
		}
	}
	sort.Strings(out)
	for _, v := range out {
		fmt.Fprintln(s.out, v)
	}
	return nil
}
