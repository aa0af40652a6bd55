package apigw

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// checkStrict walks a body that encoding/json already accepted for a value
// of type t and refuses what it lets through silently: a key given twice in
// one object (parsers disagree on which wins, so a check and a use could
// read different values) and a struct field name in the wrong case (which
// encoding/json matches case-insensitively, so "Published" would set
// "published"). Keys of maps and of free-form values keep their case.
func checkStrict(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return strictValue(dec, t, "")
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func strictValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil // its own decoder decides; duplicates are still refused
	}
	tok, err := dec.Token()
	if err != nil {
		return switchboard.Errorf(switchboard.EInvalid, "body is not the expected JSON object: malformed JSON")
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type
		var elem reflect.Type
		if t != nil {
			switch t.Kind() {
			case reflect.Struct:
				fields = structFields(t)
			case reflect.Map:
				elem = t.Elem()
			}
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return switchboard.Errorf(switchboard.EInvalid, "body is not the expected JSON object: malformed JSON")
			}
			key, _ := kt.(string)
			if seen[key] {
				return switchboard.Errorf(switchboard.EInvalid, "field %q appears more than once", path+key)
			}
			seen[key] = true
			next := elem
			if fields != nil {
				ft, ok := fields[key]
				if !ok {
					for name := range fields {
						if strings.EqualFold(name, key) {
							return switchboard.Errorf(switchboard.EInvalid, "unknown field %q (did you mean %q?)", path+key, path+name)
						}
					}
				}
				next = ft
			}
			if err := strictValue(dec, next, path+key+"."); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := strictValue(dec, elem, path); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
	}
	if err != nil {
		return switchboard.Errorf(switchboard.EInvalid, "body is not the expected JSON object: malformed JSON")
	}
	return nil
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// structFields maps the JSON names of t's fields, embedded ones included,
// to their types, as encoding/json names them.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			inner := ft
			if inner.Kind() == reflect.Pointer {
				inner = inner.Elem()
			}
			if inner.Kind() == reflect.Struct {
				for k, v := range structFields(inner) {
					if _, ok := m[k]; !ok {
						m[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = ft
	}
	fieldCache.Store(t, m)
	return m
}
