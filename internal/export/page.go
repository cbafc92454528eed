package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"civiclink/internal/pagesize"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// Names the export adds to an operation it pages: the variables that carry each page's first
// and after, and the response key of the connection's pageInfo. An operation that uses them
// itself is not paged.
const (
	pageFirstVar = "civiclinkExportFirst"
	pageAfterVar = "civiclinkExportAfter"
	pageInfoKey  = "civiclinkExportPage"
)

// pageInfo is the reserved pageInfo selection of a paged export's connection.
type pageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

// pager runs an export of a root connection whose first is above pagesize.Max as a series of
// pages of at most pagesize.Max rows each, through the same /graphql endpoint: the operation
// is rewritten so that the connection's first and after are the reserved variables.
type pager struct {
	op    *gqlRequest // the rewritten operation
	want  int         // the rows to export: the connection's first, or the export's limit when lower
	after *string     // the first page's cursor (the operation's own after)
	// limited is true when the export's limit, not the connection's first, set want.
	limited bool
}

// body is the GraphQL request of the page that starts after cursor and asks for the rows
// still wanted after done of them.
func (p *pager) body(cursor *string, done int) ([]byte, error) {
	vars := make(map[string]json.RawMessage, len(p.op.vars)+2)
	for k, v := range p.op.vars {
		vars[k] = v
	}
	vars[pageFirstVar] = json.RawMessage(strconv.Itoa(min(pagesize.Max, p.want-done)))
	after, err := json.Marshal(cursor)
	if err != nil {
		return nil, fmt.Errorf("encode cursor: %w", err)
	}
	vars[pageAfterVar] = after
	q := *p.op
	q.vars = vars
	return q.body()
}

// pagerOf returns the pager of an export whose exported field is a root connection asked for
// with a first above pagesize.Max, or nil when the export runs as one operation (first up to
// pagesize.Max, a persisted query known only by its hash, a nested or fragment-selected
// field, a text that does not parse: /graphql then answers as it would any client). limit is
// the export's row cap (0 for none). An export asking for more than MaxRows rows is refused
// before anything runs.
func pagerOf(q *gqlRequest, field string, limit int) (*pager, error) {
	if q.query == "" {
		return nil, nil
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: q.query})
	if err != nil {
		return nil, nil
	}
	op := pickOperation(doc, q.operationName)
	if op == nil || op.VariableDefinitions.ForName(pageFirstVar) != nil || op.VariableDefinitions.ForName(pageAfterVar) != nil {
		return nil, nil
	}
	f := rootField(op, field)
	if f == nil || f.Arguments.ForName("last") != nil || f.Arguments.ForName("before") != nil || !selectsRows(f) {
		return nil, nil
	}
	first, ok := intArgument(f.Arguments.ForName("first"), op, q.vars)
	if !ok || first <= pagesize.Max {
		return nil, nil
	}
	want := first
	if limit > 0 && limit < want {
		want = limit
	}
	if want > MaxRows {
		return nil, &codedError{code: "EXPORT_TOO_LARGE", msg: fmt.Sprintf(
			"the export asks for %d rows (first: %d) and one export gives at most %d: narrow the filter, or export in parts (limit=, or after: the last cursor of the previous part)",
			want, first, MaxRows)}
	}
	p := &pager{want: want, limited: want < first}
	if a := f.Arguments.ForName("after"); a != nil {
		v, err := a.Value.Value(varValues(q.vars))
		if err != nil {
			return nil, nil
		}
		switch c := v.(type) {
		case string:
			p.after = &c
		case nil:
		default:
			return nil, nil // not a cursor: /graphql says so
		}
	}
	setArgument(f, "first", pageFirstVar)
	setArgument(f, "after", pageAfterVar)
	f.SelectionSet = append(f.SelectionSet, &ast.Field{Alias: pageInfoKey, Name: "pageInfo", SelectionSet: ast.SelectionSet{
		&ast.Field{Alias: "hasNextPage", Name: "hasNextPage"},
		&ast.Field{Alias: "endCursor", Name: "endCursor"},
	}})
	// The variables that only the replaced arguments used would now be unused, which
	// GraphQL refuses: drop them.
	used := map[string]bool{}
	for _, d := range doc.Operations {
		if d == op {
			variablesIn(op.SelectionSet, used)
			variablesInDirectives(op.Directives, used)
		}
	}
	for _, fr := range doc.Fragments {
		variablesIn(fr.SelectionSet, used)
		variablesInDirectives(fr.Directives, used)
	}
	vars := make(map[string]json.RawMessage, len(q.vars))
	var defs ast.VariableDefinitionList
	for _, d := range op.VariableDefinitions {
		if used[d.Variable] {
			defs = append(defs, d)
			if v, ok := q.vars[d.Variable]; ok {
				vars[d.Variable] = v
			}
		}
	}
	op.VariableDefinitions = append(defs,
		&ast.VariableDefinition{Variable: pageFirstVar, Type: ast.NamedType("Int", nil)},
		&ast.VariableDefinition{Variable: pageAfterVar, Type: ast.NamedType("String", nil)})
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatQueryDocument(doc)
	p.op = &gqlRequest{query: buf.String(), vars: vars, operationName: q.operationName}
	return p, nil
}

// pickOperation is the operation a request runs: the named one, or the only one.
func pickOperation(doc *ast.QueryDocument, name string) *ast.OperationDefinition {
	if name == "" {
		if len(doc.Operations) != 1 {
			return nil
		}
		return doc.Operations[0]
	}
	return doc.Operations.ForName(name)
}

// rootField is the field of op's own selection with response key field (or its only field
// when field is empty).
func rootField(op *ast.OperationDefinition, field string) *ast.Field {
	if op.Operation != ast.Query {
		return nil
	}
	var found *ast.Field
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok {
			if field == "" {
				return nil
			}
			continue
		}
		key := f.Alias
		if key == "" {
			key = f.Name
		}
		if field == "" || key == field {
			if found != nil {
				return nil
			}
			found = f
		}
	}
	if found != nil && len(found.Directives) > 0 {
		return nil
	}
	return found
}

// selectsRows reports whether a connection field selects edges { node } or nodes itself.
func selectsRows(f *ast.Field) bool {
	for _, sel := range f.SelectionSet {
		c, ok := sel.(*ast.Field)
		if !ok {
			continue
		}
		if c.Alias == pageInfoKey {
			return false
		}
		if c.Alias == "nodes" && c.Name == "nodes" {
			return true
		}
		if c.Alias == "edges" && c.Name == "edges" {
			for _, e := range c.SelectionSet {
				if n, ok := e.(*ast.Field); ok && n.Alias == "node" && n.Name == "node" {
					return true
				}
			}
		}
	}
	return false
}

// intArgument is the value of an Int argument given as a literal, or as a variable of the
// request (or its default).
func intArgument(a *ast.Argument, op *ast.OperationDefinition, vars map[string]json.RawMessage) (int, bool) {
	if a == nil {
		return 0, false
	}
	raw := a.Value.Raw
	if a.Value.Kind == ast.Variable {
		if v, ok := vars[a.Value.Raw]; ok {
			raw = string(v)
		} else if d := op.VariableDefinitions.ForName(a.Value.Raw); d != nil && d.DefaultValue != nil && d.DefaultValue.Kind == ast.IntValue {
			raw = d.DefaultValue.Raw
		} else {
			return 0, false
		}
	} else if a.Value.Kind != ast.IntValue {
		return 0, false
	}
	n, err := strconv.Atoi(raw)
	return n, err == nil
}

// varValues decodes a request's variables for ast.Value.Value.
func varValues(vars map[string]json.RawMessage) map[string]any {
	out := make(map[string]any, len(vars))
	for k, raw := range vars {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			out[k] = v
		}
	}
	return out
}

// setArgument makes f's argument name the variable v, adding the argument when f has none.
func setArgument(f *ast.Field, name, v string) {
	val := &ast.Value{Kind: ast.Variable, Raw: v}
	if a := f.Arguments.ForName(name); a != nil {
		a.Value = val
		return
	}
	f.Arguments = append(f.Arguments, &ast.Argument{Name: name, Value: val})
}

// variablesIn adds the variables used in a selection set's arguments and directives to used.
func variablesIn(set ast.SelectionSet, used map[string]bool) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				variablesInValue(a.Value, used)
			}
			variablesInDirectives(s.Directives, used)
			variablesIn(s.SelectionSet, used)
		case *ast.InlineFragment:
			variablesInDirectives(s.Directives, used)
			variablesIn(s.SelectionSet, used)
		case *ast.FragmentSpread:
			variablesInDirectives(s.Directives, used)
		}
	}
}

func variablesInDirectives(ds ast.DirectiveList, used map[string]bool) {
	for _, d := range ds {
		for _, a := range d.Arguments {
			variablesInValue(a.Value, used)
		}
	}
}

func variablesInValue(v *ast.Value, used map[string]bool) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		used[v.Raw] = true
	}
	for _, c := range v.Children {
		variablesInValue(c.Value, used)
	}
}
