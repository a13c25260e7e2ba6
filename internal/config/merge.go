package config

import (
	"maps"
	"reflect"
)

// Override lays the settings given in over (those in over.Set) on s, as flags lay on the file
// and the file on the defaults: ignore globs add, env merges variable by variable, watch paths
// and extensions add when every one is written +ITEM (-e +tmpl), and the rest replace.
func (s *Settings) Override(over *Settings) {
	if s.Set == nil {
		s.Set = map[string]bool{}
	}
	for _, f := range Fields() {
		if !over.Set[f.Key] {
			continue
		}
		dst, src := f.value(s), f.value(over)
		switch f.Kind {
		case kinds["globs"]:
			dst.Set(reflect.AppendSlice(dst, src))
		case kinds["env"]:
			dst.Set(reflect.ValueOf(mergeEnv(dst.Interface().([]string), src.Interface().([]string))))
		case kinds["paths"], kinds["exts"]:
			if _, replace := SplitAdding(src.Interface().([]string)); !replace && s.Set[f.Key] {
				dst.Set(reflect.AppendSlice(dst, src))
				break
			}
			dst.Set(src)
		default:
			dst.Set(src)
		}
		s.Set[f.Key] = true
	}
}

// Clone is a copy of s that shares nothing with it.
func (s Settings) Clone() Settings {
	c := s
	c.Set = maps.Clone(s.Set)
	for _, f := range Fields() {
		if v := f.value(&c); v.Kind() == reflect.Slice && !v.IsNil() {
			v.Set(reflect.AppendSlice(reflect.MakeSlice(v.Type(), 0, v.Len()), v))
		}
	}
	return c
}
