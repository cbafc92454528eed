package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"civiclink/internal/apierr"
	"civiclink/internal/auth"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// refuseIntrospection is the gqlgen extension used when introspection is off: an operation
// that asks for __schema or __type anywhere is refused before it runs with a clean
// BAD_USER_INPUT (reason INTROSPECTION_DISABLED); __typename stays allowed.
type refuseIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = refuseIntrospection{}

func (refuseIntrospection) ExtensionName() string                   { return "RefuseIntrospection" }
func (refuseIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (refuseIntrospection) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || !asksIntrospection(oc.Operation.SelectionSet, oc.Doc.Fragments, map[string]bool{}) {
		return nil
	}
	return &gqlerror.Error{
		Message:    "introspection is disabled on this hub",
		Extensions: map[string]any{"code": apierr.BadUserInput, "reason": "INTROSPECTION_DISABLED"},
	}
}

func asksIntrospection(set ast.SelectionSet, fragments ast.FragmentDefinitionList, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" || asksIntrospection(s.SelectionSet, fragments, seen) {
				return true
			}
		case *ast.InlineFragment:
			if asksIntrospection(s.SelectionSet, fragments, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := fragments.ForName(s.Name); f != nil && asksIntrospection(f.SelectionSet, fragments, seen) {
				return true
			}
		}
	}
	return false
}

// maxSchemaRoots is how many __schema and __type fields a schema-only operation may ask for
// and still be exempt from the depth and cost limits; more (aliased copies of the whole
// schema) are measured like any query.
const maxSchemaRoots = 4

// operationLimit is a limit extension such as limits.Depth or limits.Cost.
type operationLimit interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
}

// exceptSchemaOnly applies limit to every operation but one that asks only for the schema
// (see schemaOnly), such as graphql-js's getIntrospectionQuery with every option, which the
// playground, get-graphql-schema and graphql-inspector send and which is deeper than the
// depth limit and costs more than the cost limit. Their answers are bounded by the size of
// the schema: gqlparser's validation refuses introspection that nests fields, inputFields,
// interfaces or possibleTypes three deep (graphql-js's MaxIntrospectionDepthRule), and the
// field limit still applies.
func exceptSchemaOnly(limit operationLimit) operationLimit { return schemaOnlyExempt{limit} }

type schemaOnlyExempt struct{ limit operationLimit }

func (e schemaOnlyExempt) ExtensionName() string { return e.limit.ExtensionName() }
func (e schemaOnlyExempt) Validate(s graphql.ExecutableSchema) error {
	return e.limit.Validate(s)
}

func (e schemaOnlyExempt) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation != nil && schemaOnly(oc.Operation, oc.Doc.Fragments) {
		return nil
	}
	return e.limit.MutateOperationContext(ctx, oc)
}

// schemaOnly reports whether op is a query whose every root field is __schema, __type or
// __typename (through fragments), with at most maxSchemaRoots of the first two.
func schemaOnly(op *ast.OperationDefinition, fragments ast.FragmentDefinitionList) bool {
	if op.Operation != ast.Query {
		return false
	}
	roots := 0
	var walk func(set ast.SelectionSet, seen map[string]bool) bool
	walk = func(set ast.SelectionSet, seen map[string]bool) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				switch s.Name {
				case "__schema", "__type":
					roots++
				case "__typename":
				default:
					return false
				}
			case *ast.InlineFragment:
				if !walk(s.SelectionSet, seen) {
					return false
				}
			case *ast.FragmentSpread:
				f := fragments.ForName(s.Name)
				if f == nil || seen[s.Name] {
					return false
				}
				seen[s.Name] = true
				if !walk(f.SelectionSet, seen) {
					return false
				}
			}
		}
		return true
	}
	return walk(op.SelectionSet, map[string]bool{}) && roots <= maxSchemaRoots
}

// anonymousIntrospection lets a request without credentials through to next when it asks
// only for the schema (schemaOnly), so the playground's docs pane loads before a token is
// entered; every other request without credentials goes to authed, which refuses it with
// 401. Used when Options.AnonymousIntrospection is set (the embedded development default).
func anonymousIntrospection(maxBody int64, next, authed http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get(auth.APIKeyHeader) != "" || r.Header.Get("Upgrade") != "" {
			authed.ServeHTTP(w, r)
			return
		}
		query, operationName, ok := peekQuery(r, maxBody)
		if ok && documentIsSchemaOnly(query, operationName) {
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), auth.Anonymous)))
			return
		}
		authed.ServeHTTP(w, r)
	})
}

// peekQuery reads the query text and operation name of a GET or JSON POST request, leaving
// the body readable for the handler after it.
func peekQuery(r *http.Request, maxBody int64) (query, operationName string, ok bool) {
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		return q.Get("query"), q.Get("operationName"), q.Has("query")
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		if err != nil || int64(len(body)) > maxBody {
			return "", "", false
		}
		var params struct {
			Query         string `json:"query"`
			OperationName string `json:"operationName"`
		}
		if json.Unmarshal(body, &params) != nil {
			return "", "", false
		}
		return params.Query, params.OperationName, params.Query != ""
	}
	return "", "", false
}

type readCloser struct {
	io.Reader
	io.Closer
}

// documentIsSchemaOnly parses query and reports whether the operation to run asks only for
// the schema.
func documentIsSchemaOnly(query, operationName string) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return false
	}
	var op *ast.OperationDefinition
	switch {
	case operationName != "":
		op = doc.Operations.ForName(operationName)
	case len(doc.Operations) == 1:
		op = doc.Operations[0]
	}
	return op != nil && schemaOnly(op, doc.Fragments)
}
