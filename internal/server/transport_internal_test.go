package server

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// marshalled is how responses were written before encodeResponse: json.Marshal of
// graphql.Response without a data entry when there is none.
type marshalled struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

func TestEncodeResponseIsJSONMarshal(t *testing.T) {
	t.Parallel()
	errs := gqlerror.List{{Message: "a <b> & c", Path: ast.Path{ast.PathName("x"), ast.PathIndex(1)},
		Extensions: map[string]any{"code": "FORBIDDEN"}}}
	tests := []struct {
		name string
		resp graphql.Response
	}{
		{"data", graphql.Response{Data: json.RawMessage("{\"a\":\"x<y>&z\u2028\u2029 安\",\"b\":[1,2.5,null,true],\"c\":\"\\\"\\n\"}")}},
		{"null data and errors", graphql.Response{Data: json.RawMessage(`null`), Errors: errs}},
		{"errors only", graphql.Response{Errors: errs}},
		{"extensions", graphql.Response{Data: json.RawMessage(`{}`), Extensions: map[string]any{"cost": 3, "b": "<"}}},
		{"empty", graphql.Response{}},
	}
	for _, tt := range tests {
		want, err := json.Marshal(marshalled{Errors: tt.resp.Errors, Data: tt.resp.Data, Extensions: tt.resp.Extensions})
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeResponse(&tt.resp)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: encodeResponse = %s, %v; want json.Marshal's %s", tt.name, got, err, want)
		}
	}
}
