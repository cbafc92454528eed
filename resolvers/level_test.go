package resolvers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// levelQueries reach connections under list elements and a grant's program below them,
// with the statements each must cost: one per relation and level, one more per connection
// whose totalCount is selected.
var levelQueries = []struct {
	name, query string
	statements  int
}{
	{"cases of every grid, their lead officers' grants and programs",
		`{ grids(first: 5) { nodes { code cases(first: 3) { totalCount nodes { caseNo leadOfficer { badgeNo benefitGrants { status program { name } } } } } } } }`,
		6}, // grids, case pages, case counts, officers, grants, programs
	{"grants of every program",
		`{ programs(first: 5) { nodes { name grants(first: 2, orderBy: [{field: APPLIED_ON, direction: DESC}]) { totalCount edges { cursor node { status program { name } } } } } } }`,
		4}, // programs, grant pages, grant counts, the grants' programs
	{"officers and their cases, surveys of every station",
		`{ stations(first: 3) { nodes { name officers(first: 2) { nodes { badgeNo cases(first: 2, filter: {kind: [NON_POLICE]}) { nodes { caseNo } } } } surveys(first: 1) { nodes { title } } } } }`,
		4}, // stations, officer pages, case pages, survey pages
}

// TestNoRequestWaitsOnABatchWindow gives the dataloaders a ten-minute batch window: a level
// that still went through a window would hold its request for ten minutes. Every query
// reaching connections under lists must answer at once (within a generous bound that no
// window could meet) and cost its documented statements.
func TestNoRequestWaitsOnABatchWindow(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{LoaderWait: 10 * time.Minute})
	for _, q := range levelQueries {
		t.Run(q.name, func(t *testing.T) {
			res := queryWithin(t, hub, q.query, nil, time.Minute)
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %s", res.Raw)
			}
			if !strings.Contains(string(res.Data), `"program":{"name":`) && strings.Contains(q.query, "program") {
				t.Errorf("want programs in the answer, got %s", res.Data)
			}
			if res.Statements < q.statements || res.Statements > q.statements+3 {
				t.Errorf("%d round trips, want %d statements (+ at most 3 liveness pings)", res.Statements, q.statements)
			}
		})
	}
}

// queryWithin runs a query and fails the test when it has not answered within limit.
func queryWithin(t *testing.T, hub *hubtest.Hub, query string, vars map[string]any, limit time.Duration) *hubtest.Response {
	t.Helper()
	done := make(chan *hubtest.Response, 1)
	go func() { done <- hub.Query(t, query, vars) }()
	select {
	case res := <-done:
		return res
	case <-time.After(limit):
		t.Fatalf("no answer within %s: the request waits on a dataloader batch window", limit)
		return nil
	}
}

// TestGrantProgramOnEveryPath reads a grant's program, a plain field filled by the grant's
// level load, through every way a grant reaches a response: a root list, node and nodes, an
// officer's grants, a program's grants alone and under a list, a mutation's payload. Each
// must name the program, never fail with an unloaded reference.
func TestGrantProgramOnEveryPath(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	ctx := context.Background()
	var grant, program int64
	var start time.Time
	if err := hub.Pool.QueryRow(ctx, `SELECT g.id, g.program_id, p.period_start FROM welfare.benefit_grant g
		JOIN welfare.program p ON p.id = g.program_id ORDER BY g.id LIMIT 1`).Scan(&grant, &program, &start); err != nil {
		t.Fatalf("pick a grant: %v", err)
	}
	grantID, programID := globalid.Encode("BenefitGrant", grant), globalid.Encode("Program", program)
	paths := []struct {
		name, query string
		vars        map[string]any
	}{
		{"root list", `{ benefitGrants(first: 3) { nodes { program { name } } } }`, nil},
		{"node", `query($id: ID!) { node(id: $id) { ... on BenefitGrant { program { name } } } }`, map[string]any{"id": grantID}},
		{"nodes", `query($id: ID!) { nodes(ids: [$id, $id]) { ... on BenefitGrant { program { name } } } }`, map[string]any{"id": grantID}},
		{"an officer's grants", `query($id: ID!) { node(id: $id) { ... on Officer { benefitGrants { program { name } } } } }`, map[string]any{"id": fx.officer}},
		{"a program's grants", `query($id: ID!) { node(id: $id) { ... on Program { grants(first: 2) { nodes { program { name } } } } } }`, map[string]any{"id": programID}},
		{"grants under a list", `{ programs(first: 3) { nodes { grants(first: 2) { nodes { program { name } } } } } }`, nil},
		{"grants of officers under a list", `{ stations(first: 2) { nodes { officers(first: 3) { nodes { benefitGrants { program { name } } } } } } }`, nil},
		{"a mutation's payload", `mutation($in: ApplyForBenefitInput!) { applyForBenefit(input: $in) { benefitGrant { program { name } } } }`,
			map[string]any{"in": map[string]any{"programId": programID, "officerId": fx.officer, "appliedOn": start.Format(time.DateOnly)}}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			client := hub
			if strings.HasPrefix(p.query, "mutation") {
				client = fx.client("applyForBenefit")
			}
			res := client.Query(t, p.query, p.vars)
			if len(res.Errors) > 0 {
				t.Fatalf("want the program, got errors %s", res.Raw)
			}
			if !strings.Contains(string(res.Data), `"program":{"name":"`) {
				t.Errorf("want a program's name in %s", res.Data)
			}
		})
	}
}

// TestCountOnlyReadsNoPage: a connection of which only totalCount is selected costs its
// count alone, no page of rows (before, `{ cases { totalCount } }` also read a page of 51
// cases), at the root and under a list; a bad cursor is still refused.
func TestCountOnlyReadsNoPage(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	tests := []struct {
		name, query string
		statements  int
		errCode     string
	}{
		{"root cases", `{ cases { totalCount } }`, 1, ""},
		{"root disputes, with __typename", `{ disputes(filter: {source: [POLICE_REFERRAL]}) { __typename totalCount } }`, 1, ""},
		{"officers of every station", `{ stations(first: 3) { nodes { name officers { totalCount } } } }`, 2, ""}, // stations, officer counts
		{"root cases with a bad cursor", `{ cases(after: "not-a-cursor") { totalCount } }`, 0, "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hub.Query(t, tt.query, nil)
			if tt.errCode != "" {
				if len(res.Errors) == 0 || !strings.Contains(string(res.Raw), tt.errCode) {
					t.Fatalf("want a %s error, got %s", tt.errCode, res.Raw)
				}
				return
			}
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %s", res.Raw)
			}
			if !strings.Contains(string(res.Data), `"totalCount":`) {
				t.Errorf("want totalCount in the answer, got %s", res.Data)
			}
			if res.Statements != tt.statements {
				t.Errorf("%d statements, want %d (the counts only, no page)", res.Statements, tt.statements)
			}
		})
	}
}
