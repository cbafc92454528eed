// Package gqlhttp decodes GraphQL-over-HTTP requests (https://graphql.github.io/graphql-over-http/draft/):
// POST bodies, GET query strings and the Accept header. It is small on purpose, so the fuzz
// test of the decoding builds and runs fast.
package gqlhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// Media types of GraphQL over HTTP responses.
const (
	MediaJSON            = "application/json"
	MediaGraphQLResponse = "application/graphql-response+json"
)

// DecodeBody decodes a POST body into request parameters, checking the shape the
// specification requires: a JSON object whose query is a string, operationName a string or
// null, and variables and extensions objects or null. query may be absent only when
// extensions.persistedQuery names the document by hash. Numbers in variables stay
// json.Number.
func DecodeBody(body []byte) (*graphql.RawParams, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("the request body is empty; send a JSON object with a query")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("the request body is not a JSON object: %w", err)
	}
	if raw == nil {
		return nil, errors.New("the request body is not a JSON object")
	}
	return decodeParams(raw)
}

// DecodeQueryString decodes the parameters of a GET request: query and operationName as
// plain strings, variables and extensions as URL-encoded JSON objects.
func DecodeQueryString(rawQuery string) (*graphql.RawParams, error) {
	q, err := parseQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	p := &graphql.RawParams{Query: q["query"], OperationName: q["operationName"]}
	for _, name := range []string{"variables", "extensions"} {
		s, ok := q[name]
		if !ok || s == "" {
			continue
		}
		m, err := decodeObject(json.RawMessage(s), name)
		if err != nil {
			return nil, err
		}
		if name == "variables" {
			p.Variables = m
		} else {
			p.Extensions = m
		}
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, errors.New("the query parameter is missing")
	}
	return p, nil
}

func parseQuery(rawQuery string) (map[string]string, error) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("malformed query string: %w", err)
	}
	out := make(map[string]string, len(values))
	for key, v := range values {
		if len(v) > 1 {
			return nil, fmt.Errorf("the parameter %q is given more than once", key)
		}
		out[key] = v[0]
	}
	return out, nil
}

func decodeParams(raw map[string]json.RawMessage) (*graphql.RawParams, error) {
	get := func(name string) (json.RawMessage, bool) { v, ok := raw[name]; return v, ok }
	p := &graphql.RawParams{}
	if v, ok := get("query"); ok && !isNull(v) {
		if err := json.Unmarshal(v, &p.Query); err != nil {
			return nil, errors.New("query must be a string")
		}
	}
	if v, ok := get("operationName"); ok && !isNull(v) {
		if err := json.Unmarshal(v, &p.OperationName); err != nil {
			return nil, errors.New("operationName must be a string or null")
		}
	}
	for _, name := range []string{"variables", "extensions"} {
		v, ok := get(name)
		if !ok || isNull(v) {
			continue
		}
		m, err := decodeObject(v, name)
		if err != nil {
			return nil, err
		}
		if name == "variables" {
			p.Variables = m
		} else {
			p.Extensions = m
		}
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, errors.New("query is missing: send the GraphQL document as the query string")
	}
	return p, nil
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

func decodeObject(v json.RawMessage, name string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("%s must be a JSON object", name)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s must be one JSON object", name)
	}
	return m, nil
}

// Negotiate picks the response media type from Accept: the first acceptable entry wins,
// */* and application/* mean application/json, and no Accept at all means
// application/json. ok is false when Accept lists only types the hub cannot produce.
func Negotiate(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return MediaJSON, true
	}
	best, bestQ := "", -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		var m string
		switch mt {
		case MediaGraphQLResponse:
			m = MediaGraphQLResponse
		case MediaJSON, "*/*", "application/*":
			m = MediaJSON
		default:
			continue
		}
		if q > bestQ && q > 0 {
			best, bestQ = m, q
		}
	}
	return best, best != ""
}
