package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"civiclink/db/seed"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// TestPlainSubtreesAnswerAsGqlgen runs every read example of the playground (the contract
// queries with their fixtures) and queries that exercise what internal/fastpath must leave
// to gqlgen or decide as gqlgen does (aliases, __typename, fragments, @skip and @include
// from variables, nulls, personal fields), as several roles, on a hub with plain subtrees
// and on one without, and wants the two answers byte for byte the same.
func TestPlainSubtreesAnswerAsGqlgen(t *testing.T) {
	t.Parallel()
	fixed := hubtest.Options{Clock: clock.Fixed(seed.ReferenceTime)}
	lean := hubtest.New(t, fixed)
	fixed.GenericExecution = true
	generic := hubtest.New(t, fixed)
	fx := pickFixture(t, lean)
	var badge string
	if err := lean.Pool.QueryRow(context.Background(), `SELECT o.badge_no FROM police.officer o
		JOIN police.station s ON s.id = o.station_id WHERE s.code = 'S01' ORDER BY o.id LIMIT 1`).Scan(&badge); err != nil {
		t.Fatalf("find an officer of S01: %v", err)
	}
	var committee, mediator int64
	if err := lean.Pool.QueryRow(context.Background(), `SELECT m.committee_id, m.id FROM mediation.mediator m
		JOIN mediation.dispute_mediator dm ON dm.mediator_id = m.id ORDER BY m.id LIMIT 1`).Scan(&committee, &mediator); err != nil {
		t.Fatalf("find a mediator with disputes: %v", err)
	}

	type query struct {
		name  string
		query string
		vars  map[string]any
	}
	contract := map[string]map[string]any{
		"referred-disputes": {"first": 100},
		"grid-risk":         {"code": fx.gridCode},
		"station-welfare":   {"id": fx.stationID},
		"person-view":       {"id": fx.personID},
	}
	examples, err := playground.Examples()
	if err != nil {
		t.Fatalf("load examples: %v", err)
	}
	var queries []query
	for _, e := range examples {
		if strings.HasPrefix(strings.TrimSpace(stripComments(e.Query)), "mutation") {
			continue
		}
		vars := contract[e.Name]
		if vars == nil && e.Variables != "" {
			if err := json.Unmarshal([]byte(e.Variables), &vars); err != nil {
				t.Fatalf("variables of %s: %v", e.Name, err)
			}
		}
		queries = append(queries, query{e.Name, e.Query, vars})
	}
	grants := `query G($skip: Boolean!, $with: Boolean!) {
		officers(first: 30) { nodes {
			name
			benefitGrants {
				__typename id amount appliedOn grantedOn version
				kind: status
				program { ...P name @skip(if: $skip) periodStart periodEnd provider }
				... on BenefitGrant { status program { id __typename } }
				statusLog @include(if: $with) { __typename }
			}
		} }
	}
	fragment P on Program { category name }`
	for _, v := range []map[string]any{{"skip": false, "with": false}, {"skip": true, "with": true}} {
		queries = append(queries, query{"grants", grants, v})
	}
	queries = append(queries,
		query{"disputes-first-500", contractQuery(t, "referred-disputes"), map[string]any{"first": 500}},
		query{"followups-and-nulls", `{ disputes(first: 60) { nodes {
			agreement { form signedAt followUps { id visitedAt performance satisfaction } }
			grid { id code name kind community { id name } }
			referredCase { station { id name code } leadOfficer { name phone } }
		} } }`, nil},
		query{"persons", `{ persons(first: 40) { nodes { id name phone flags } } }`, nil},
		// Grid.community: read from CommunityRef below lists the level loads followed, left
		// to its resolver where none did (a single grid, a grid under a person's case).
		query{"grid-communities", `query C($code: String!) {
			grids(first: 30) { nodes { code community { id name __typename } } }
			persons(first: 20) { nodes { grid { name community { name } } } }
			grid(code: $code) { code community { name } }
		}`, map[string]any{"code": fx.gridCode}},
		query{"defer", `{ officers(first: 5) { nodes { ... @defer { benefitGrants { status } } } } }`, nil},
		// Types holding personal data: their public fields are written by the plan, a
		// personal field anywhere in the selection (masked, or redacted free text) leaves
		// the list to gqlgen and its directive.
		query{"disputes-public", `{ disputes(first: 80) { nodes {
			__typename id disputeNo source category difficulty amount status receivedAt closedAt version
			committee { id name } gridEvent { id eventNo status } estate { id name }
			parties { id side } agreement { id form signedAt performanceDeadline judicialConfirmation version }
			referredCase { id caseNo kind category status occurredAt station { code } grid { code } estate { name }
				leadOfficer { id badgeNo name rank duty station { name } benefitGrants { status amount } } }
		} } }`, nil},
		query{"disputes-personal", `{ disputes(first: 40) { nodes {
			disputeNo summary outcome agreement { form terms }
			referredCase { caseNo summary address disposition leadOfficer { name phone homeAddress } }
		} } }`, nil},
		query{"officer-contact", `{ cases(first: 40) { nodes { caseNo leadOfficer { badgeNo phone } } } }`, nil},
		query{"case-parties", `{ cases(first: 30) { nodes { caseNo parties { role person { id gender } } } } }`, nil},
	)

	roles := []struct {
		name  string
		role  string
		scope auth.ScopeClaims
	}{
		{"admin", auth.Admin, auth.ScopeClaims{}},
		{"street staff", auth.StreetStaff, auth.ScopeClaims{}},
		{"police officer", auth.PoliceOfficer, auth.ScopeClaims{Station: "S01", Officer: badge}},
		{"grid worker", auth.GridWorker, auth.ScopeClaims{Grids: []string{"C01-01"}}},
		{"mediator", auth.Mediator, auth.ScopeClaims{Committees: []int64{committee}, Mediator: mediator}},
		{"analyst", auth.Analyst, auth.ScopeClaims{}},
	}
	for _, r := range roles {
		a, b := lean.As(t, r.role, r.scope), generic.As(t, r.role, r.scope)
		for _, q := range queries {
			got := a.Query(t, q.query, q.vars)
			want := b.Query(t, q.query, q.vars)
			if got.Status != want.Status || !bytes.Equal(comparable(t, got.Raw), comparable(t, want.Raw)) {
				t.Errorf("%s as %s (%v): with plain subtrees the answer differs from gqlgen's\n got %d %.600s\nwant %d %.600s",
					q.name, r.name, q.vars, got.Status, got.Raw, want.Status, want.Raw)
			}
		}
	}
}

// sealedCursor is a cursor: sealed with a fresh nonce, it differs between two answers.
var sealedCursor = regexp.MustCompile(`"c2\.[A-Za-z0-9_-]+"`)

// comparable is an answer with its cursors blanked and, when it has several errors
// (gathered from concurrent resolvers in no fixed order), its data followed by the errors
// sorted.
func comparable(t *testing.T, raw []byte) []byte {
	t.Helper()
	raw = sealedCursor.ReplaceAll(raw, []byte(`"c2.…"`))
	var r struct {
		Errors []json.RawMessage `json:"errors"`
		Data   json.RawMessage   `json:"data"`
	}
	if json.Unmarshal(raw, &r) != nil || len(r.Errors) < 2 {
		return raw
	}
	parts := [][]byte{r.Data}
	for _, e := range r.Errors {
		parts = append(parts, e)
	}
	slices.SortFunc(parts[1:], bytes.Compare)
	return bytes.Join(parts, []byte("\n"))
}

// stripComments drops the # comment lines a contract query starts with.
func stripComments(q string) string {
	var out []string
	for l := range strings.SplitSeq(q, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
