package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/devrun-dev/devrun/childrpc"
	"github.com/devrun-dev/devrun/internal/config"
	"github.com/spf13/pflag"
)

// The scripts ask devrun itself for the live names (`devrun __complete`), so completion always
// matches what runs: instance names for -n and restart/stop/logs, the child's methods (from its
// devrun.hello) for send.
const bashCompletion = `# devrun completion for bash: source <(devrun completion bash)
_devrun() {
	local cur prev words cword
	_init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
	local sub=${words[1]}
	if [[ $prev == -* ]]; then
		local values; values=$(devrun __complete values "${sub}" "$prev")
		case $? in
		0) COMPREPLY=($(compgen -W "$values" -- "$cur")); return ;;
		3) compopt -o default 2>/dev/null; COMPREPLY=(); return ;;
		esac
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(devrun __complete flags "${sub}")" -- "$cur")); return
	fi
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(devrun __complete subcommands)" -- "$cur")); compopt -o default 2>/dev/null
		return
	fi
	case "$sub" in
	send)
		local name="" i
		for ((i = 2; i < cword; i++)); do [[ ${words[i]} == -n || ${words[i]} == --name ]] && name=${words[i+1]}; done
		COMPREPLY=($(compgen -W "$(devrun __complete methods $name)" -- "$cur")) ;;
	restart|stop|logs|ls|events|wait) COMPREPLY=($(compgen -W "$(devrun __complete instances)" -- "$cur")) ;;
	completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$(devrun __complete subcommands)" -- "$cur")) ;;
	*) compopt -o default 2>/dev/null; COMPREPLY=() ;;
	esac
}
complete -F _devrun devrun
`

const zshCompletion = `#compdef devrun
# devrun completion for zsh: source <(devrun completion zsh)
_devrun() {
	local sub=$words[2] prev=$words[CURRENT-1] values
	if [[ $prev == -* ]]; then
		values=$(devrun __complete values "$sub" "$prev")
		case $? in
		0) compadd -- ${(f)values}; return ;;
		3) _files; return ;;
		esac
	fi
	if [[ $PREFIX == -* ]]; then
		compadd -- ${(f)"$(devrun __complete flags "$sub")"}; return
	fi
	if (( CURRENT == 2 )); then
		compadd -- ${(f)"$(devrun __complete subcommands)"}; _files; return
	fi
	case $sub in
	send)
		local i=${words[(i)-n]} name=""
		(( i < CURRENT )) && name=${words[i+1]}
		compadd -- ${(f)"$(devrun __complete methods $name)"} ;;
	restart|stop|logs|ls|events|wait) compadd -- ${(f)"$(devrun __complete instances)"} ;;
	completion) compadd bash zsh fish ;;
	help) compadd -- ${(f)"$(devrun __complete subcommands)"} ;;
	*) _files ;;
	esac
}
compdef _devrun devrun
`

const fishCompletion = `# devrun completion for fish: devrun completion fish | source
function __devrun_sub; set -l w (commandline -opc); test (count $w) -ge 2; and echo $w[2]; end
function __devrun_prev_values
	set -l w (commandline -opc)
	devrun __complete values (__devrun_sub) $w[-1]
end
function __devrun_wants_values
	set -l w (commandline -opc)
	string match -q -- '-*' $w[-1]; or return 1
	devrun __complete values (__devrun_sub) $w[-1] >/dev/null
end
complete -c devrun -n '__devrun_wants_values' -f -a '(__devrun_prev_values)'
complete -c devrun -n 'string match -q -- "-*" (commandline -ct)' -f -a '(devrun __complete flags (__devrun_sub))'
complete -c devrun -n '__fish_use_subcommand' -a '(devrun __complete subcommands)'
complete -c devrun -n '__fish_seen_subcommand_from restart stop logs ls events wait' -f -a '(devrun __complete instances)'
complete -c devrun -n '__fish_seen_subcommand_from send' -f -a '(devrun __complete methods)'
complete -c devrun -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish'
complete -c devrun -n '__fish_seen_subcommand_from help' -f -a '(devrun __complete subcommands)'
`

func cmdCompletion(_ context.Context, args []string, s IO) error {
	scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
	if len(args) != 1 || scripts[args[0]] == "" {
		return UsageError{fmt.Errorf("completion: say which shell: devrun completion bash|zsh|fish")}
	}
	fmt.Fprint(s.Out, scripts[args[0]])
	return nil
}

// cmdComplete prints one completion candidate a line; it stays quiet on every error, since
// whatever it prints lands in the user's command line. "values SUB FLAG" exits 3 when the flag
// takes a file name (the shell completes those), and 1 when it takes no completable value.
func (d *Devrun) cmdComplete(ctx context.Context, args []string, s IO) error {
	if len(args) == 0 {
		return nil
	}
	var out []string
	switch args[0] {
	case "subcommands":
		out = d.Names()
	case "flags":
		out = flagNames(d.subcommandFlags(args[1:]))
	case "values":
		if len(args) < 3 {
			return ExitCodeError(1)
		}
		fs := d.subcommandFlags(args[1:2])
		if args[1] != "" && (args[2] == "-n" || args[2] == "--name") {
			out = liveNames(ctx, []string{"instances"})
			break
		}
		values, files := flagValues(fs, args[2])
		if files {
			return ExitCodeError(3)
		}
		if values == nil {
			return ExitCodeError(1)
		}
		out = values
	case "instances", "methods":
		out = liveNames(ctx, args)
	}
	for _, v := range out {
		fmt.Fprintln(s.Out, v)
	}
	return nil
}

// subcommandFlags is the flag set of the subcommand named in args (devrun's own when none).
func (d *Devrun) subcommandFlags(args []string) *pflag.FlagSet {
	if len(args) > 0 && args[0] != "" {
		if sub, ok := d.Subcommand(args[0]); ok && args[0] != "help" && args[0] != "completion" {
			var fs *pflag.FlagSet
			captureFlags = func(f *pflag.FlagSet) { fs = f }
			defer func() { captureFlags = nil }()
			sub(context.Background(), []string{"-h"}, IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
			if fs != nil {
				return fs
			}
		}
	}
	return d.Flags()
}

// captureFlags, when set, is handed each subcommand's flag set (for completion).
var captureFlags func(*pflag.FlagSet)

func flagNames(fs *pflag.FlagSet) []string {
	var out []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		out = append(out, "--"+f.Name)
		if f.Shorthand != "" {
			out = append(out, "-"+f.Shorthand)
		}
	})
	return out
}

// flagValues is what a flag's value can be: a closed set (signals, restart policies), or a file
// name (files is true). nil, false: nothing to offer (a bool, a free string).
func flagValues(fs *pflag.FlagSet, word string) (values []string, files bool) {
	var f *pflag.Flag
	if name, ok := strings.CutPrefix(word, "--"); ok {
		f = fs.Lookup(name)
	} else if short, ok := strings.CutPrefix(word, "-"); ok && len(short) == 1 {
		f = fs.ShorthandLookup(short)
	}
	if f == nil || f.NoOptDefVal != "" {
		return nil, false
	}
	if field := config.FieldByFlag(f.Name); field != nil {
		switch {
		case field.Kind.Values != nil:
			return field.Kind.Values, false
		case field.Kind.Name == "file" || field.Kind.Name == "folder" || field.Kind.Name == "path":
			return nil, true
		}
		return nil, false
	}
	return nil, f.Name == "config"
}

// liveNames are the running devruns' names, or the methods of the one named.
func liveNames(ctx context.Context, args []string) []string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list, err := childrpc.Instances(ctx)
	if err != nil {
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
	return out
}
