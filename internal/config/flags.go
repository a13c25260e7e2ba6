package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/spf13/pflag"
)

// Flags is devrun's command line over the schema: every setting that is a flag, bound to
// Settings. The caller may add flags of its own (--config, --help) to FlagSet before Parse.
type Flags struct {
	FlagSet  *pflag.FlagSet
	Settings Settings
	bad      error // the first value a flag refused, with the flag's name
}

// flagAliases are other tools' spellings (nodemon's -V, -L, --legacy-watch, --no-colors), kept
// out of the help.
var flagAliases = []struct{ name, short, key string }{
	{"legacy-watch", "L", "poll"},
	{"no-colors", "", "no_color"},
	{"verbose-nodemon", "V", "verbose"},
}

// NewFlags declares every flag of the schema.
func NewFlags(name string) *Flags {
	fl := &Flags{FlagSet: pflag.NewFlagSet(name, pflag.ContinueOnError), Settings: Defaults()}
	fs := fl.FlagSet
	fs.SortFlags = false
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-")) // --no_color as the file spells it
	})
	byKey := map[string]*flagValue{}
	for _, f := range Fields() {
		if f.Flag == "" {
			continue
		}
		v := &flagValue{f: f, dst: f.value(&fl.Settings), bad: &fl.bad}
		byKey[f.Key] = v
		flag := fs.VarPF(v, f.Flag, f.Short, f.Help)
		if f.Kind == kinds["bool"] {
			flag.NoOptDefVal = "true"
		}
		if f.NoOpt != "" {
			flag.NoOptDefVal = f.NoOpt
		}
	}
	for _, a := range flagAliases {
		target := fs.Lookup(byKey[a.key].f.Flag)
		flag := fs.VarPF(target.Value, a.name, a.short, "same as --"+target.Name)
		flag.NoOptDefVal, flag.Hidden = target.NoOptDefVal, true
	}
	return fl
}

// Parse reads args. Settings.Set then holds the keys of the flags that were given.
func (fl *Flags) Parse(args []string) error {
	if err := fl.FlagSet.Parse(args); err != nil {
		if fl.bad != nil {
			return fl.bad
		}
		return explainFlagError(err, fl.FlagSet)
	}
	fl.FlagSet.Visit(func(flag *pflag.Flag) {
		if v, ok := flag.Value.(*flagValue); ok {
			fl.Settings.Set[v.f.Key] = true
		}
	})
	return nil
}

// explainFlagError adds the nearest flag to pflag's "unknown flag: --wach".
func explainFlagError(err error, fs *pflag.FlagSet) error {
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return err
	}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if c, ok := Closest(name, names); ok {
		return fmt.Errorf("%s (did you mean --%s?)", msg, c)
	}
	return err
}

// FlagError is a value a flag refused: "--signal: "TREM" is not a signal devrun can send".
type FlagError struct {
	Flag string
	Err  error
}

func (e *FlagError) Error() string { return "--" + e.Flag + ": " + e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// flagValue reads a flag's words with its kind's parser, into its field of Settings.
type flagValue struct {
	f    *Field
	dst  reflect.Value
	bad  *error
	seen bool // a list flag's first word replaces the default, later ones add
}

func (v *flagValue) Set(word string) error {
	val, err := v.f.Kind.parse(word, "")
	if err != nil {
		err = &FlagError{Flag: v.f.Flag, Err: err}
		if *v.bad == nil {
			*v.bad = err
		}
		return err
	}
	if v.f.Kind.List && v.seen {
		val = reflect.AppendSlice(v.dst, reflect.ValueOf(val)).Interface()
	}
	v.dst.Set(reflect.ValueOf(val))
	v.seen = true
	return nil
}

func (v *flagValue) Type() string {
	if v.f.Kind == kinds["bool"] {
		return "bool" // pflag shows no value name for bools
	}
	return v.f.Kind.Name
}

func (v *flagValue) String() string { return v.f.Def }
