package server_test

import (
	"encoding/json"
	"slices"
	"testing"

	"civiclink/internal/hubtest"
)

type casePage struct {
	Cases struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		Edges []struct {
			Cursor string
			Node   struct{ CaseNo, ReceivedAt string }
		}
	}
}

func (p casePage) numbers() []string {
	out := make([]string, len(p.Cases.Edges))
	for i, e := range p.Cases.Edges {
		out[i] = e.Node.CaseNo
	}
	return out
}

const pageQuery = `query($first: Int, $after: String, $last: Int, $before: String, $order: [CaseOrder!]) {
  cases(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { caseNo receivedAt } }
  }
}`

// TestKeysetPagination walks the cases forwards and backwards in small pages and compares
// with one large page, for orderings by a unique and a non-unique column.
func TestKeysetPagination(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	orders := map[string][]map[string]string{
		"received desc":          {{"field": "RECEIVED_AT", "direction": "DESC"}},
		"status asc":             {{"field": "STATUS", "direction": "ASC"}},
		"category, received asc": {{"field": "CATEGORY", "direction": "ASC"}, {"field": "RECEIVED_AT", "direction": "ASC"}},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			var all casePage
			hub.Query(t, pageQuery, map[string]any{"first": 60, "order": order}).MustData(t, &all)
			want := all.numbers()
			if len(want) != 60 {
				t.Fatalf("want 60 cases in the seeded data, got %d", len(want))
			}
			var got []string
			var after any
			for len(got) < 60 {
				var p casePage
				hub.Query(t, pageQuery, map[string]any{"first": 7, "after": after, "order": order}).MustData(t, &p)
				got = append(got, p.numbers()...)
				if !p.Cases.PageInfo.HasNextPage {
					t.Fatalf("hasNextPage false after %d of %d", len(got), p.Cases.TotalCount)
				}
				after = *p.Cases.PageInfo.EndCursor
			}
			if got = got[:60]; !slices.Equal(got, want) {
				t.Errorf("forward pages give %v, want %v", got, want)
			}
			// Backwards from the 60th row's cursor: the 5 rows before it.
			before := all.Cases.Edges[59].Cursor
			var back casePage
			hub.Query(t, pageQuery, map[string]any{"last": 5, "before": before, "order": order}).MustData(t, &back)
			if !slices.Equal(back.numbers(), want[54:59]) {
				t.Errorf("last 5 before row 60 = %v, want %v", back.numbers(), want[54:59])
			}
			if !back.Cases.PageInfo.HasPreviousPage || !back.Cases.PageInfo.HasNextPage {
				t.Errorf("backward page info = %+v, want previous and next pages", back.Cases.PageInfo)
			}
		})
	}
}

// TestCursorFromAnotherOrdering refuses a cursor minted for a different orderBy.
func TestCursorFromAnotherOrdering(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	var p casePage
	hub.Query(t, pageQuery, map[string]any{"first": 1}).MustData(t, &p)
	res := hub.Query(t, pageQuery, map[string]any{"first": 1, "after": p.Cases.Edges[0].Cursor,
		"order": []map[string]string{{"field": "STATUS", "direction": "ASC"}}})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Fatalf("want BAD_USER_INPUT for a cursor of another ordering, got %s", res.Raw)
	}
}

// TestNodes resolves global IDs of several types in one call, in order, with nulls for
// missing rows.
func TestNodes(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	var d struct {
		Cases    struct{ Nodes []struct{ ID string } }
		Disputes struct{ Nodes []struct{ ID string } }
		Grids    struct{ Nodes []struct{ ID string } }
	}
	hub.Query(t, `{ cases(first: 2) { nodes { id } } disputes(first: 1) { nodes { id } } grids(first: 1) { nodes { id } } }`, nil).MustData(t, &d)
	ids := []string{d.Cases.Nodes[0].ID, d.Disputes.Nodes[0].ID, d.Grids.Nodes[0].ID, d.Cases.Nodes[1].ID}
	var got struct {
		Nodes []json.RawMessage
	}
	res := hub.Query(t, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": ids})
	res.MustData(t, &got)
	wantTypes := []string{"Case", "Dispute", "Grid", "Case"}
	for i, raw := range got.Nodes {
		var n struct{ Typename, ID string }
		var m map[string]string
		_ = json.Unmarshal(raw, &m)
		n.Typename, n.ID = m["__typename"], m["id"]
		if n.Typename != wantTypes[i] || n.ID != ids[i] {
			t.Errorf("nodes[%d] = %s %s, want %s %s", i, n.Typename, n.ID, wantTypes[i], ids[i])
		}
	}
	if res.Statements > 4 {
		t.Errorf("nodes of 3 types ran %d statements, want at most one per type", res.Statements)
	}
}
