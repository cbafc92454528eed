package resolvers_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"

	"civiclink/internal/auth"
)

// TestCursorsAreOpaque lists persons ordered by name as every role that lists persons and
// checks that no cursor (raw or base64-decoded) carries a name, and that an altered cursor
// is refused with BAD_USER_INPUT rather than applied.
func TestCursorsAreOpaque(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	var names [][]byte
	rows, err := s.hub.Pool.Query(context.Background(), `SELECT name FROM street.person`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, []byte(n))
	}
	rows.Close()
	for _, role := range []string{auth.StreetStaff, auth.GridWorker, auth.PoliceOfficer, auth.Admin} {
		for _, order := range []string{"NAME", "CREATED_AT"} {
			t.Run(role+"/"+order, func(t *testing.T) {
				res := s.callers[role].Query(t, `query($o: PersonOrderField!) { persons(first: 20, orderBy: [{field: $o}]) { edges { cursor } } }`, map[string]any{"o": order})
				if order == "NAME" {
					// The order of masked names would reveal them: refused for every role.
					if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" || bytes.Contains(res.Raw, []byte(`"data":{`)) {
						t.Errorf("ordering persons by name: %s, want BAD_USER_INPUT and no data", res.Raw)
					}
					for _, v := range []map[string]any{{"o": "NAME"}} {
						r := s.callers[role].Query(t, `query($o: [PersonOrder!]) { persons(first: 2, orderBy: $o) { nodes { id } } }`, map[string]any{"o": []any{map[string]any{"field": v["o"]}}})
						if len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
							t.Errorf("ordering by name through a variable list: %s, want BAD_USER_INPUT", r.Raw)
						}
					}
					r := s.callers[role].Query(t, `query { grid(code: "x") { id } ...F } fragment F on Query { persons(first: 2, orderBy: [{field: NAME}]) { nodes { id } } }`, nil)
					if len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
						t.Errorf("ordering by name inside a fragment: %s, want BAD_USER_INPUT", r.Raw)
					}
					return
				}
				if len(res.Errors) > 0 {
					t.Fatalf("ordering by %s: %s, want data", order, res.Raw)
				}
				var d struct {
					Persons struct{ Edges []struct{ Cursor string } }
				}
				res.MustData(t, &d)
				if len(d.Persons.Edges) == 0 {
					t.Fatalf("%s sees no persons, want some", role)
				}
				for _, e := range d.Persons.Edges {
					views := [][]byte{[]byte(e.Cursor)}
					for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding} {
						if raw, err := enc.DecodeString(e.Cursor); err == nil {
							views = append(views, raw)
						}
						if len(e.Cursor) > 3 {
							if raw, err := enc.DecodeString(e.Cursor[3:]); err == nil {
								views = append(views, raw)
							}
						}
					}
					for _, v := range views {
						for _, n := range names {
							if bytes.Contains(v, n) {
								t.Fatalf("cursor %q reveals the name %q", e.Cursor, n)
							}
						}
					}
				}
				c := d.Persons.Edges[0].Cursor
				flip := byte('A')
				if c[len(c)-2] == 'A' {
					flip = 'B'
				}
				altered := c[:len(c)-2] + string(flip) + c[len(c)-1:]
				res = s.callers[role].Query(t, `query($o: PersonOrderField!, $a: String) { persons(first: 2, after: $a, orderBy: [{field: $o}]) { edges { cursor } } }`,
					map[string]any{"o": order, "a": altered})
				if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" {
					t.Errorf("altered cursor: %s, want BAD_USER_INPUT", res.Raw)
				}
			})
		}
	}
}
