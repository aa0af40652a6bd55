package samtemplate

import (
	"fmt"
	"regexp"
	"strings"
)

// Resolver evaluates the intrinsic functions the local stack meets in
// environment variables: Ref, Fn::Sub and Fn::GetAtt, against values given
// for parameters, resources and pseudo parameters.
type Resolver struct {
	Refs  map[string]string // logical ID, parameter or pseudo parameter → value of Ref
	Attrs map[string]string // "LogicalID.Attribute" → value of Fn::GetAtt
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// Resolve returns the string value of v or an error naming what it could not
// evaluate; an unknown name is an error, never an empty string.
func (r Resolver) Resolve(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int, int64, float64, bool:
		return fmt.Sprint(x), nil
	case map[string]any:
		if len(x) != 1 {
			return "", fmt.Errorf("cannot resolve %v", x)
		}
		for fn, arg := range x {
			switch fn {
			case "Ref":
				name, _ := arg.(string)
				if val, ok := r.Refs[name]; ok {
					return val, nil
				}
				return "", fmt.Errorf("!Ref %s: unknown name", name)
			case "Fn::GetAtt":
				parts, _ := arg.([]any)
				if len(parts) != 2 {
					return "", fmt.Errorf("!GetAtt %v: want [Resource, Attribute]", arg)
				}
				key := fmt.Sprintf("%v.%v", parts[0], parts[1])
				if val, ok := r.Attrs[key]; ok {
					return val, nil
				}
				return "", fmt.Errorf("!GetAtt %s: unknown attribute", key)
			case "Fn::Sub":
				return r.sub(arg)
			}
			return "", fmt.Errorf("%s is not supported locally", fn)
		}
	}
	return "", fmt.Errorf("cannot resolve %v (%T)", v, v)
}

func (r Resolver) sub(arg any) (string, error) {
	format, ok := arg.(string)
	vars := map[string]string{}
	if !ok {
		list, _ := arg.([]any)
		if len(list) != 2 {
			return "", fmt.Errorf("!Sub %v: want a string or [string, map]", arg)
		}
		format, _ = list[0].(string)
		m, _ := list[1].(map[string]any)
		for k, v := range m {
			s, err := r.Resolve(v)
			if err != nil {
				return "", fmt.Errorf("!Sub variable %s: %w", k, err)
			}
			vars[k] = s
		}
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(format, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return v
		}
		var v string
		var err error
		if logical, attr, isAttr := strings.Cut(name, "."); isAttr {
			v, err = r.Resolve(map[string]any{"Fn::GetAtt": []any{logical, attr}})
		} else {
			v, err = r.Resolve(map[string]any{"Ref": name})
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	if firstErr != nil {
		return "", fmt.Errorf("!Sub %q: %w", format, firstErr)
	}
	return strings.ReplaceAll(out, "${!", "${"), nil
}
