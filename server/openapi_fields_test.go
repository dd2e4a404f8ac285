package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/facegate/facegate/prevalidate"
)

// schemaOf resolves a local $ref.
func schemaOf(doc map[string]any, s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		out, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
		return out
	}
	return s
}

// undocumented lists the JSON fields of Go type t that schema s does not
// describe, walking structs, pointers, slices and maps alike.
func undocumented(doc map[string]any, t reflect.Type, s map[string]any, at string, seen map[string]bool) []string {
	s = schemaOf(doc, s)
	if s == nil {
		return []string{at + ": no schema"}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil
		}
		items, _ := s["items"].(map[string]any)
		if items == nil {
			if pre, ok := s["prefixItems"].([]any); ok && len(pre) > 0 {
				items, _ = pre[0].(map[string]any)
			}
		}
		if items == nil {
			return []string{at + ": an array without items"}
		}
		return undocumented(doc, t.Elem(), items, at+"[]", seen)
	case reflect.Map:
		ap, _ := s["additionalProperties"].(map[string]any)
		if ap == nil {
			return []string{at + ": a map without additionalProperties"}
		}
		return undocumented(doc, t.Elem(), ap, at+"{}", seen)
	case reflect.Struct:
		if seen[t.String()] {
			return nil
		}
		seen[t.String()] = true
		props, _ := s["properties"].(map[string]any)
		var out []string
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				out = append(out, undocumented(doc, f.Type, s, at, seen)...)
				continue
			}
			p, ok := props[name].(map[string]any)
			if !ok {
				out = append(out, at+"."+name)
				continue
			}
			out = append(out, undocumented(doc, f.Type, p, at+"."+name, seen)...)
		}
		return out
	}
	return nil
}

// The document describes every field the service sends: each field of the
// report (and of everything in it) has its schema, as a strict decoder
// (and the contract test's validator) needs.
func TestOpenAPIDescribesEveryField(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	report := doc["components"].(map[string]any)["schemas"].(map[string]any)["Report"].(map[string]any)
	for _, f := range undocumented(doc, reflect.TypeOf(prevalidate.Report{}), report, "Report", map[string]bool{}) {
		t.Errorf("not in openapi.json: %s", f)
	}
}
