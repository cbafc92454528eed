package gqlhttp

import (
	"encoding/json"
	"net/url"
	"testing"
)

// FuzzDecodeRequest feeds arbitrary bytes to the request decoding (POST bodies, GET query
// strings, Accept headers). It must never panic, and whatever it accepts must be a
// well-formed request: a query or a persisted-query hash, objects for variables and
// extensions, and the same result when decoded twice.
//
//	go test -run '^$' -fuzz FuzzDecodeRequest ./internal/gqlhttp
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ __typename }"}`,
		`{"query":"query Q($n: Int) { cases(first: $n) { totalCount } }","variables":{"n":1},"operationName":"Q"}`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
		`{"query":null,"variables":null,"extensions":null,"operationName":null}`,
		`{"query":{"a":1}}`, `[1,2]`, `{"query": "`, `null`, ``, `{"variables":"x"}`,
		"query=%7B__typename%7D&variables=%7B%22a%22%3A1%7D", "query=%zz", "a=1&a=2",
	} {
		f.Add([]byte(seed), "application/graphql-response+json, application/json;q=0.9")
	}
	f.Fuzz(func(t *testing.T, data []byte, accept string) {
		if media, ok := Negotiate(accept); ok && media != MediaJSON && media != MediaGraphQLResponse {
			t.Fatalf("negotiate(%q) = %q", accept, media)
		}
		p, err := DecodeBody(data)
		if err == nil {
			if p.Query == "" && p.Extensions["persistedQuery"] == nil {
				t.Fatalf("DecodeBody(%q) accepted a request without query or persisted query", data)
			}
			if !json.Valid(data) {
				t.Fatalf("DecodeBody accepted invalid JSON %q", data)
			}
			again, err := DecodeBody(data)
			if err != nil || again.Query != p.Query || again.OperationName != p.OperationName {
				t.Fatalf("DecodeBody(%q) is not deterministic: %v", data, err)
			}
		}
		q, err := DecodeQueryString(string(data))
		if err == nil && q.Query == "" && q.Extensions["persistedQuery"] == nil {
			t.Fatalf("DecodeQueryString(%q) accepted a request without query", data)
		}
		if err == nil {
			if _, perr := url.ParseQuery(string(data)); perr != nil {
				t.Fatalf("DecodeQueryString accepted %q, which net/url refuses: %v", data, perr)
			}
		}
	})
}
