package export

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// testSchema is a small schema with the shapes the hub's exports meet: lists of groups,
// connections, interfaces, nested objects and lists.
var testSchema = gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphql", Input: `
type Query {
  stats: [Stat!]!
  gridEventStats: [Stat!]!
  codes: [String]!
  disputes(first: Int, after: String): DisputeConnection!
  a: [Stat!]!
  b: StatConnection
  node(id: ID!): Node
  count: Int
}
interface Node { id: ID! }
type Stat { bucketLabel: String grid: Grid n: Int count: Int suppressed: Boolean! shareClosed: Float medianDaysToClose: Float s: String }
type Grid implements Node { id: ID! code: String name: String events: [Event!]! }
type Event implements Node { id: ID! no: String }
type Tag { x: Int }
type Dispute implements Node { id: ID! no: String tags: [Tag!]! ok: Boolean grid: Grid }
type DisputeEdge { cursor: String! node: Dispute! }
type DisputeConnection { totalCount: Int! edges: [DisputeEdge!]! nodes: [Dispute!]! pageInfo: PageInfo! }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type StatConnection { nodes: [Stat!]! }
`})

// operation parses and validates query against testSchema.
func operation(t testing.TB, query string, vars map[string]any) *graphql.OperationContext {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(testSchema, query, nil)
	if len(errs) > 0 {
		t.Fatalf("query %s: %v", query, errs)
	}
	return &graphql.OperationContext{RawQuery: query, Doc: doc, Operation: doc.Operations[0], Variables: vars}
}

// TestColumnsFromSelection derives the columns from the query's selection, not from the
// rows, and streams the rows of the answer's data as CSV.
func TestColumnsFromSelection(t *testing.T) {
	for _, tc := range []struct {
		name, query, data, field string
		vars                     map[string]any
		columns                  []string
		csv                      string
	}{
		{
			name:    "list with a null object first",
			query:   `{ stats { grid { code name } n } }`,
			data:    `{"stats":[{"grid":null,"n":1},{"grid":{"code":"C01","name":"A"},"n":2}]}`,
			columns: []string{"grid.code", "grid.name", "n"},
			csv:     "grid.code,grid.name,n\n,,1\nC01,A,2\n",
		},
		{
			name:    "no rows: the header row still",
			query:   `{ stats { bucketLabel grid { code } suppressed count } }`,
			data:    `{"stats":[]}`,
			columns: []string{"bucketLabel", "grid.code", "suppressed", "count"},
			csv:     "bucketLabel,grid.code,suppressed,count\n",
		},
		{
			name:    "a null connection: the header row still",
			query:   `{ b { nodes { s n } } }`,
			data:    `{"b":null}`,
			columns: []string{"s", "n"},
			csv:     "s,n\n",
		},
		{
			name:    "connection edges and nested lists",
			query:   `{ disputes(first: 5) { totalCount edges { cursor node { no tags { x } ok } } } }`,
			data:    `{"disputes":{"totalCount":9,"edges":[{"cursor":"a","node":{"no":"T1","tags":[{"x":1}],"ok":true}}]}}`,
			columns: []string{"no", "tags", "ok"},
			csv:     "no,tags,ok\nT1,\"[{\"\"x\"\":1}]\",true\n",
		},
		{
			name:    "connection nodes, aliases",
			query:   `{ disputes { nodes { number: no grid { c: code } } } }`,
			data:    `{"disputes":{"nodes":[{"number":"T2","grid":{"c":"C02"}}]}}`,
			columns: []string{"number", "grid.c"},
			csv:     "number,grid.c\nT2,C02\n",
		},
		{
			name:    "chosen field and formula-like text",
			query:   `{ a { n } b { nodes { s n } } }`,
			data:    `{"a":[{"n":1}],"b":{"nodes":[{"s":"=cmd()","n":-3}]}}`,
			field:   "b",
			columns: []string{"s", "n"},
			csv:     "s,n\n'=cmd(),-3\n",
		},
		{
			name:    "fragments, @skip and @include",
			query:   `query($s: Boolean!) { stats { ...F n @skip(if: $s) count @include(if: $s) } } fragment F on Stat { bucketLabel grid { code } }`,
			vars:    map[string]any{"s": true},
			data:    `{"stats":[{"bucketLabel":"2021-11","grid":{"code":"C01"},"count":3}]}`,
			columns: []string{"bucketLabel", "grid.code", "count"},
			csv:     "bucketLabel,grid.code,count\n2021-11,C01,3\n",
		},
		{
			name:    "an interface with inline fragments, one row, a nested list in a cell",
			query:   `{ node(id: "x") { id ... on Grid { code events { no } } ... on Event { no } } }`,
			data:    `{"node":{"id":"G1","code":"C01","events":[]}}`,
			columns: []string{"id", "code", "events", "no"},
			csv:     "id,code,events,no\nG1,C01,[],\n",
		},
		{
			name:    "one column for a response key that fragments on different types select",
			query:   `{ node(id: "x") { ... on Grid { id label: code } ... on Event { id label: no } ... on Node { id } } }`,
			data:    `{"node":{"id":"E1","label":"N1"}}`,
			columns: []string{"id", "label"},
			csv:     "id,label\nE1,N1\n",
		},
		{
			name:    "a dotted path into an object",
			query:   `{ node(id: "x") { ... on Grid { events { no } } } }`,
			data:    `{"node":{"events":[{"no":"E1"},{"no":"E2"}]}}`,
			field:   "node.events",
			columns: []string{"no"},
			csv:     "no\nE1\nE2\n",
		},
		{
			name:    "a list of scalars",
			query:   `{ codes }`,
			data:    `{"codes":["a",null,"b"]}`,
			columns: []string{"value"},
			csv:     "value\na\nb\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := planOf(operation(t, tc.query, tc.vars), tc.field)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.columns, tc.columns) {
				t.Errorf("columns %q, want %q", p.columns, tc.columns)
			}
			var buf bytes.Buffer
			out, _ := newCSVRows(&buf, false)
			s := &rowSink{out: out, columns: p.columns, limit: MaxRows}
			dec := json.NewDecoder(strings.NewReader(tc.data))
			dec.UseNumber()
			if err := s.begin(); err != nil {
				t.Fatal(err)
			}
			if _, err := streamRows(dec, p, s, ""); err != nil {
				t.Fatal(err)
			}
			if err := out.flush(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.csv {
				t.Errorf("CSV\n%s\nwant\n%s", buf.String(), tc.csv)
			}
		})
	}
	for _, tc := range []struct{ query, field, want string }{
		{`{ a { n } b { nodes { n } } }`, "", "selects 2 root fields (a, b)"},
		{`{ a { n } }`, "c", `selects no "c"`},
		{`{ a { n } }`, "a.n", `"a" is not an object`},
		{`{ count }`, "", "a single value"},
	} {
		if _, err := planOf(operation(t, tc.query, nil), tc.field); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with field=%q: error %v, want one saying %q", tc.query, tc.field, err, tc.want)
		}
	}
}

// TestSpreadsheetText: for spreadsheets, labels and identifiers that a spreadsheet would turn
// into dates, numbers or booleans stay text; other text is unchanged; formulas never run.
func TestSpreadsheetText(t *testing.T) {
	for _, tc := range []struct{ in, sheet, plain string }{
		{"2021-11", `="2021-11"`, "2021-11"},
		{"2024-05-01", `="2024-05-01"`, "2024-05-01"},
		{"2021", `="2021"`, "2021"},
		{"042513", `="042513"`, "042513"},
		{"110105199001011234", `="110105199001011234"`, "110105199001011234"},
		{"1E5", `="1E5"`, "1E5"},
		{"12%", `="12%"`, "12%"},
		{"-3", `="-3"`, "'-3"},
		{"(120)", `="(120)"`, "(120)"},
		{"2021年11月", `="2021年11月"`, "2021年11月"},
		{"11月5日", `="11月5日"`, "11月5日"},
		{"Nov-21", `="Nov-21"`, "Nov-21"},
		{"TRUE", `="TRUE"`, "TRUE"},
		{"2021-Q3", "2021-Q3", "2021-Q3"},
		{"11010519900101123X", "11010519900101123X", "11010519900101123X"},
		{"1101**********1234", "1101**********1234", "1101**********1234"},
		{"C01-01", "C01-01", "C01-01"},
		{"J2026-000042", "J2026-000042", "J2026-000042"},
		{"和平里派出所", "和平里派出所", "和平里派出所"},
		{"=cmd()", "'=cmd()", "'=cmd()"},
		{"+1 day", "'+1 day", "'+1 day"},
	} {
		for _, sheet := range []bool{true, false} {
			want := tc.plain
			if sheet {
				want = tc.sheet
			}
			if got, err := csvText(tc.in, sheet); err != nil || got != want {
				t.Errorf("csvText(%q, spreadsheet %v) = %q, %v; want %q", tc.in, sheet, got, err, want)
			}
		}
	}
}

// TestChartDownloadKeepsTheSameText: the playground's chart download keeps as text what
// /export?bom=1 keeps as text, with the same pattern.
func TestChartDownloadKeepsTheSameText(t *testing.T) {
	js, err := os.ReadFile("../../playground/assets/chart.js")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/" + SpreadsheetText + "/i.test("; !bytes.Contains(js, []byte(want)) {
		t.Errorf("playground/assets/chart.js does not test cells with %s: keep its csvCell pattern equal to export.SpreadsheetText", want)
	}
}
