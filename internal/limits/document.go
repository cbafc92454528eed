package limits

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Defaults of the document budget.
const (
	// DefaultMaxTokens is the most lexical tokens a document may have. The largest contract
	// query has about 400 and the playground's introspection query about 250; a document at
	// the field limit with an argument on every field stays under it.
	DefaultMaxTokens = 15000
	// DefaultMaxSameName is the most selections one selection set may hold under one
	// response name, counting those merged in from fragments. gqlparser compares every pair
	// of them (OverlappingFieldsCanBeMerged), so this bounds that rule's cost.
	DefaultMaxSameName = 50
	// DefaultMaxVariables is the most variables a request may send. Every one is decoded
	// and coerced; no operation of the API needs more than a few dozen.
	DefaultMaxVariables = 1000
)

// Document is a gqlgen extension that measures a document before gqlparser validates it,
// whose rules are quadratic in the number of fields, fragment spreads and same-named
// selections: the document is parsed with a token limit and its selections are counted
// with every fragment expanded (each fragment measured once, cycles cut), so a hostile
// document is refused with QUERY_TOO_COMPLEX in about the time it takes to read it.
// Limits: "tokens" (MaxTokens), "fields" (MaxFields, counted as Fields counts them, with
// each fragment spread counted too), "sameName" (MaxSameName) and "variables" (the
// variables sent, MaxVariables; checked on every request, cached documents included).
//
// Documents already in Cache were measured and validated before and are not measured again.
type Document struct {
	MaxTokens    int // 0 = DefaultMaxTokens
	MaxFields    int // 0 = DefaultMaxFields
	MaxSameName  int // 0 = DefaultMaxSameName
	MaxVariables int // 0 = DefaultMaxVariables
	// Cache is the executor's query cache (nil = none).
	Cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = Document{}

// ExtensionName implements graphql.HandlerExtension.
func (Document) ExtensionName() string { return "DocumentBudget" }

// Validate implements graphql.HandlerExtension.
func (d Document) Validate(graphql.ExecutableSchema) error {
	if d.MaxTokens < 0 || d.MaxFields < 0 || d.MaxSameName < 0 || d.MaxVariables < 0 {
		return fmt.Errorf("document budget must not be negative: %+v", d)
	}
	return nil
}

// MutateOperationParameters implements graphql.OperationParameterMutator; it runs before
// gqlgen parses and validates the query.
func (d Document) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if maxVars := or(d.MaxVariables, DefaultMaxVariables); len(params.Variables) > maxVars {
		return tooComplex("variables", maxVars, fmt.Sprintf("the request sends more than the limit of %d variables", maxVars))
	}
	if params.Query == "" {
		return nil
	}
	if d.Cache != nil {
		if _, ok := d.Cache.Get(ctx, params.Query); ok {
			return nil
		}
	}
	return d.Check(params.Query)
}

// Check measures query; it returns a QUERY_TOO_COMPLEX error when the document is over
// budget and nil otherwise (a document that does not parse is left for gqlgen to report).
func (d Document) Check(query string) *gqlerror.Error {
	maxTokens := or(d.MaxTokens, DefaultMaxTokens)
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxTokens)
	if err != nil {
		if strings.Contains(err.Error(), "exceeded token limit") {
			return tooComplex("tokens", maxTokens, fmt.Sprintf("query has more than the limit of %d tokens", maxTokens))
		}
		return nil
	}
	m := measurer{
		fragments: map[string]*ast.FragmentDefinition{},
		sizes:     map[string]int{},
		names:     map[string][]string{},
		maxFields: or(d.MaxFields, DefaultMaxFields),
		maxSame:   or(d.MaxSameName, DefaultMaxSameName),
	}
	for _, f := range doc.Fragments {
		if _, dup := m.fragments[f.Name]; !dup {
			m.fragments[f.Name] = f
		}
	}
	for _, op := range doc.Operations {
		if m.set(op.SelectionSet) > m.maxFields {
			return tooComplex("fields", m.maxFields, fmt.Sprintf("query selects more than the limit of %d fields (aliases and fragment spreads included)", m.maxFields))
		}
		if m.sameName {
			return tooComplex("sameName", m.maxSame, fmt.Sprintf("a selection set selects one response name more than the limit of %d times", m.maxSame))
		}
	}
	for _, f := range doc.Fragments {
		// An unused fragment is validated too.
		if m.spread(f.Name) > m.maxFields {
			return tooComplex("fields", m.maxFields, fmt.Sprintf("a fragment selects more than the limit of %d fields", m.maxFields))
		}
		if m.sameName {
			return tooComplex("sameName", m.maxSame, fmt.Sprintf("a selection set selects one response name more than the limit of %d times", m.maxSame))
		}
	}
	return nil
}

func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// measurer counts selections with fragments expanded. Sizes saturate just above maxFields,
// so counts stay small whatever the document; each fragment is measured once.
type measurer struct {
	fragments map[string]*ast.FragmentDefinition
	sizes     map[string]int      // expanded size of each fragment measured
	names     map[string][]string // response names each fragment contributes to its parent set
	visiting  []string
	maxFields int
	maxSame   int
	sameName  bool // some selection set is over maxSame
}

// set returns the expanded number of selections of s and checks its response names.
func (m *measurer) set(s ast.SelectionSet) int {
	counts := map[string]int{}
	n := m.collect(s, counts)
	for _, c := range counts {
		if c > m.maxSame {
			m.sameName = true
		}
	}
	return n
}

// collect adds the response names s puts in its parent set to counts and returns the
// expanded size of s.
func (m *measurer) collect(s ast.SelectionSet, counts map[string]int) int {
	n := 0
	for _, sel := range s {
		switch x := sel.(type) {
		case *ast.Field:
			name := x.Alias
			if name == "" {
				name = x.Name
			}
			counts[name]++
			n++
			if len(x.SelectionSet) > 0 {
				n += m.set(x.SelectionSet)
			}
		case *ast.InlineFragment:
			n += m.collect(x.SelectionSet, counts)
		case *ast.FragmentSpread:
			n += 1 + m.spread(x.Name)
			for _, name := range m.names[x.Name] {
				counts[name]++
			}
		}
		if n > m.maxFields || m.sameName {
			return m.maxFields + 1
		}
	}
	return n
}

// spread returns the expanded size of fragment name, measuring it the first time; unknown
// fragments and cycles count nothing here (validation reports them).
func (m *measurer) spread(name string) int {
	if size, ok := m.sizes[name]; ok {
		return size
	}
	f, ok := m.fragments[name]
	if !ok {
		return 0
	}
	for _, v := range m.visiting {
		if v == name {
			return 0
		}
	}
	m.visiting = append(m.visiting, name)
	counts := map[string]int{}
	size := min(m.collect(f.SelectionSet, counts), m.maxFields+1)
	m.visiting = m.visiting[:len(m.visiting)-1]
	names := make([]string, 0, len(counts))
	for n, c := range counts {
		if c > m.maxSame {
			m.sameName = true
		}
		for range min(c, m.maxSame+1) {
			names = append(names, n)
		}
	}
	m.sizes[name] = size
	m.names[name] = names
	return size
}
