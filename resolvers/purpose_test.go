package resolvers_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/globalid"
)

// TestPurposeIsBound states purposes as each role would and checks that only a purpose naming
// a record the caller may see is accepted, that it unlocks only the persons linked to that
// record, and that minors (by flag, birth date or case role) stay masked for roles that may
// not see them.
func TestPurposeIsBound(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ctx := context.Background()
	// A dispute with two parties, one adult A and one B that the test turns into a minor.
	var dispute, a, b, outsider int64
	var disputeNo, nameA, nameB, nameOut string
	err := s.hub.Pool.QueryRow(ctx, `SELECT d.id, d.dispute_no, pa.id, pa.name, pb.id, pb.name FROM mediation.dispute d
		JOIN mediation.dispute_party da ON da.dispute_id = d.id JOIN street.person pa ON pa.id = da.person_id
		JOIN mediation.dispute_party db ON db.dispute_id = d.id AND db.person_id > da.person_id JOIN street.person pb ON pb.id = db.person_id
		WHERE NOT ('MINOR' = ANY (pa.flags)) AND NOT EXISTS (SELECT 1 FROM police.case_party cp WHERE cp.person_id = pa.id AND cp.is_minor)
		  AND (pa.birth_date IS NULL OR pa.birth_date < now() - interval '19 years')
		ORDER BY d.id LIMIT 1`).Scan(&dispute, &disputeNo, &a, &nameA, &b, &nameB)
	if err != nil {
		t.Fatalf("pick a dispute with two parties: %v", err)
	}
	if err := s.hub.Pool.QueryRow(ctx, `SELECT id, name FROM street.person p WHERE NOT EXISTS (SELECT 1 FROM mediation.dispute_party dp WHERE dp.dispute_id = $1 AND dp.person_id = p.id)
		ORDER BY id LIMIT 1`, dispute).Scan(&outsider, &nameOut); err != nil {
		t.Fatal(err)
	}
	// B is a minor only by birth date (no MINOR flag).
	if _, err := s.hub.Pool.Exec(ctx, `UPDATE street.person SET flags = array_remove(flags, 'MINOR'), birth_date = (now() AT TIME ZONE 'Asia/Shanghai')::date - interval '12 years' WHERE id = $1`, b); err != nil {
		t.Fatal(err)
	}
	// A case of the officer's station with a party recorded as a minor in case_party only.
	var caseNo, otherCaseNo string
	var minorParty int64
	var minorName string
	if err := s.hub.Pool.QueryRow(ctx, `SELECT c.case_no, p.id, p.name FROM police."case" c JOIN police.case_party cp ON cp.case_id = c.id JOIN street.person p ON p.id = cp.person_id
		WHERE c.station_id = $1 AND p.birth_date < now() - interval '30 years' ORDER BY c.id LIMIT 1`, s.station).Scan(&caseNo, &minorParty, &minorName); err != nil {
		t.Fatal(err)
	}
	if _, err := s.hub.Pool.Exec(ctx, `UPDATE street.person SET flags = array_remove(flags, 'MINOR') WHERE id = $1`, minorParty); err != nil {
		t.Fatal(err)
	}
	if _, err := s.hub.Pool.Exec(ctx, `UPDATE police.case_party SET is_minor = true WHERE person_id = $1`, minorParty); err != nil {
		t.Fatal(err)
	}
	if err := s.hub.Pool.QueryRow(ctx, `SELECT case_no FROM police."case" WHERE station_id <> $1 ORDER BY id LIMIT 1`, s.station).Scan(&otherCaseNo); err != nil {
		t.Fatal(err)
	}
	// A case street staff can see (referred to mediation), with an adult party.
	var referredNo string
	var referredParty int64
	var referredName string
	if err := s.hub.Pool.QueryRow(ctx, `SELECT c.case_no, p.id, p.name FROM police."case" c JOIN police.case_party cp ON cp.case_id = c.id JOIN street.person p ON p.id = cp.person_id
		WHERE EXISTS (SELECT 1 FROM mediation.dispute d WHERE d.referred_case_id = c.id) AND NOT cp.is_minor AND NOT ('MINOR' = ANY (p.flags))
		AND p.birth_date < now() - interval '30 years' ORDER BY c.id LIMIT 1`).Scan(&referredNo, &referredParty, &referredName); err != nil {
		t.Fatal(err)
	}

	q := `query Look($ids: [ID!]!) { nodes(ids: $ids) { ... on Person { id name } } }`
	names := func(t *testing.T, role, purpose string, ids ...int64) (map[string]string, []string) {
		t.Helper()
		gids := make([]string, len(ids))
		for i, id := range ids {
			gids[i] = globalid.Encode("Person", id)
		}
		res := s.callers[role].WithPurpose(purpose).Query(t, q, map[string]any{"ids": gids})
		codes := make([]string, 0, len(res.Errors))
		for _, e := range res.Errors {
			codes = append(codes, e.Code())
		}
		if len(codes) > 0 {
			return nil, codes
		}
		var d struct{ Nodes []*struct{ ID, Name string } }
		res.MustData(t, &d)
		out := map[string]string{}
		for _, n := range d.Nodes {
			if n != nil {
				out[n.ID] = n.Name
			}
		}
		return out, nil
	}
	pid := func(id int64) string { return globalid.Encode("Person", id) }

	refused := []struct {
		name, role, purpose, code string
	}{
		{"free words", auth.StreetStaff, "x", "BAD_USER_INPUT"},
		{"a dot", auth.StreetStaff, ".", "BAD_USER_INPUT"},
		{"a zero-width space", auth.StreetStaff, "\u200b", "BAD_USER_INPUT"},
		{"a zero-width space after a number", auth.StreetStaff, "dispute " + disputeNo + "\u200b", "BAD_USER_INPUT"},
		{"whitespace only", auth.StreetStaff, "   ", "BAD_USER_INPUT"},
		{"a file reference", auth.Admin, "data subject request 42", "BAD_USER_INPUT"},
		{"another station's case", auth.PoliceOfficer, "case " + otherCaseNo, "FORBIDDEN"},
		{"a case that does not exist", auth.Admin, "case J1999-000001", "FORBIDDEN"},
		{"a dispute the role cannot see", auth.PoliceOfficer, "dispute T1999-00001", "FORBIDDEN"},
		{"cases are not the analyst's", auth.Analyst, "case " + caseNo, "FORBIDDEN"},
	}
	for _, tt := range refused {
		t.Run("refused/"+tt.name, func(t *testing.T) {
			got, codes := names(t, tt.role, tt.purpose, a)
			if len(codes) == 0 || codes[0] != tt.code {
				t.Errorf("%s stating %q: got %v (codes %v), want %s", tt.role, tt.purpose, got, codes, tt.code)
			}
		})
	}

	bound := []struct {
		name, role, purpose string
		ids                 []int64
		clear               map[int64]string // persons expected in clear (others masked)
	}{
		{"dispute unlocks its adult party, not the minor or others", auth.StreetStaff, "dispute " + disputeNo,
			[]int64{a, b, outsider}, map[int64]string{a: nameA}},
		{"no purpose shows no one", auth.StreetStaff, "", []int64{a, b}, nil},
		{"street staff see a referred case's parties masked", auth.StreetStaff, "case " + referredNo, []int64{referredParty}, nil},
		{"police see their case's minor party", auth.PoliceOfficer, "case " + caseNo, []int64{minorParty, a}, map[int64]string{minorParty: minorName}},
		{"admin states a dispute: its parties, minors included", auth.Admin, "dispute " + disputeNo, []int64{a, b, outsider}, map[int64]string{a: nameA, b: nameB}},
	}
	for _, tt := range bound {
		t.Run("bound/"+tt.name, func(t *testing.T) {
			got, codes := names(t, tt.role, tt.purpose, tt.ids...)
			if len(codes) > 0 {
				t.Fatalf("%s stating %q: errors %v, want data", tt.role, tt.purpose, codes)
			}
			clearNames := map[int64]string{a: nameA, b: nameB, outsider: nameOut, minorParty: minorName, referredParty: referredName}
			for _, id := range tt.ids {
				name, seen := got[pid(id)]
				if !seen {
					continue // not visible to the role at all
				}
				want, wantClear := tt.clear[id]
				if wantClear && name != want {
					t.Errorf("person %d: got %q, want %q in clear", id, name, want)
				}
				if !wantClear && (name == clearNames[id] || !strings.Contains(name, "*")) {
					t.Errorf("person %d: got %q, want it masked", id, name)
				}
			}
		})
	}

	// The access log keeps the purpose's record, in canonical form.
	var purposes []string
	rows, err := s.hub.Pool.Query(ctx, `SELECT DISTINCT purpose FROM hub.access_log ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		_ = rows.Scan(&p)
		purposes = append(purposes, p)
	}
	rows.Close()
	want := []string{"case " + caseNo, "dispute " + disputeNo}
	if strings.Join(purposes, "|") != strings.Join(want, "|") {
		t.Errorf("access log purposes %q, want %q", purposes, want)
	}
}

// TestHiddenPersonNullsOnlyItself lists, as a mediator, the disputes of the mediator's
// committee with their parties' persons: a party whose person the mediator may not see (a
// committee dispute the mediator is not assigned to) comes back as person: null, and the
// rest of the response stays. The same holds for grid workers' and mediators' persons.
func TestHiddenPersonNullsOnlyItself(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	hidden := s.count(t, `SELECT count(*) FROM mediation.dispute_party dp JOIN mediation.dispute d ON d.id = dp.dispute_id
		WHERE d.committee_id = $1 AND NOT EXISTS (SELECT 1 FROM mediation.dispute_mediator dm JOIN mediation.dispute_party x ON x.dispute_id = dm.dispute_id
			WHERE dm.mediator_id = $2 AND x.person_id = dp.person_id)`, s.commitee, s.mediator)
	if hidden == 0 {
		t.Fatalf("the scene has no party hidden from the mediator; the test needs one")
	}
	for _, tt := range []struct{ role, query string }{
		{auth.Mediator, `{ disputes(first: 500) { nodes { disputeNo parties { side person { name } } } } }`},
		{auth.Mediator, `{ mediators(first: 500) { nodes { kind person { name } } } }`},
		{auth.GridWorker, `{ disputes(first: 500) { nodes { disputeNo mediators { mediator { person { name } } } } } }`},
	} {
		res := s.callers[tt.role].Query(t, tt.query, nil)
		if len(res.Errors) > 0 || bytes.HasPrefix(bytes.TrimSpace(res.Data), []byte("null")) {
			t.Errorf("%s %s: %s, want data with hidden persons null", tt.role, tt.query, res.Raw)
		}
	}
	res := s.callers[auth.Mediator].Query(t, `{ disputes(first: 500) { nodes { parties { person { id } } } } }`, nil)
	if nulls := bytes.Count(res.Raw, []byte(`"person":null`)); nulls == 0 {
		t.Errorf("no party's person is null for the mediator, want the %d hidden ones null: %.300s", hidden, res.Raw)
	}
}
