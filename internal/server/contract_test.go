package server_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// contractQuery loads one of the front-end teams' contract queries as the playground ships it.
func contractQuery(t *testing.T, name string) string {
	t.Helper()
	examples, err := playground.Examples()
	if err != nil {
		t.Fatalf("load examples: %v", err)
	}
	for _, e := range examples {
		if e.Name == name {
			return e.Query
		}
	}
	t.Fatalf("no contract query %q among the playground examples", name)
	return ""
}

// TestContractCopiesMatchDesign checks that the playground's copies of the contract queries
// are byte-identical to the design's, when the design folder is next to the checkout.
func TestContractCopiesMatchDesign(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "design", "queries")
	files, _ := filepath.Glob(filepath.Join(dir, "*.graphql"))
	if len(files) == 0 {
		t.Skip("the design's queries folder is not next to this checkout")
	}
	copies, err := filepath.Glob(filepath.Join("..", "..", "playground", "examples", "*.graphql"))
	if err != nil || len(copies) < len(files) {
		t.Fatalf("playground has %d example files, want at least the %d contract queries", len(copies), len(files))
	}
	for _, f := range files {
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join("..", "..", "playground", "examples", filepath.Base(f)))
		if err != nil || string(got) != string(want) {
			t.Errorf("playground/examples/%s differs from the contract query %s", filepath.Base(f), f)
		}
	}
}

// fixture picks rows of the seeded data that the contract queries are about.
type fixture struct {
	gridCode  string
	stationID string
	personID  string
}

func pickFixture(t *testing.T, hub *hubtest.Hub) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	var stationPK, personPK int64
	err := hub.Pool.QueryRow(ctx, `
		SELECT g.code FROM street.grid g
		JOIN risk.risk_item r ON r.grid_id = g.id AND r.status IN ('IDENTIFIED','MITIGATING') AND r.level IN ('HIGH','MEDIUM')
		GROUP BY g.code ORDER BY count(*) DESC, g.code LIMIT 1`).Scan(&f.gridCode)
	if err != nil {
		t.Fatalf("find a grid with open risks: %v", err)
	}
	if err := hub.Pool.QueryRow(ctx, `SELECT id FROM police.station ORDER BY code LIMIT 1`).Scan(&stationPK); err != nil {
		t.Fatalf("find a station: %v", err)
	}
	err = hub.Pool.QueryRow(ctx, `
		SELECT p.id FROM street.person p
		WHERE EXISTS (SELECT 1 FROM police.case_party c WHERE c.person_id = p.id)
		  AND EXISTS (SELECT 1 FROM mediation.dispute_party d WHERE d.person_id = p.id)
		ORDER BY p.id LIMIT 1`).Scan(&personPK)
	if err != nil {
		t.Fatalf("find a person with cases and disputes: %v", err)
	}
	f.stationID = globalid.Encode("Station", stationPK)
	f.personID = globalid.Encode("Person", personPK)
	return f
}

// TestContractQueries runs every contract query as written through the HTTP endpoint and
// checks both the answer and the number of SQL statements, which must be bounded by the
// query's depth and not by the rows it returns.
func TestContractQueries(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := pickFixture(t, hub)

	tests := []struct {
		name  string
		vars  map[string]any
		check func(t *testing.T, data json.RawMessage)
	}{
		{
			name: "grid-risk", vars: map[string]any{"code": fx.gridCode},
			// grid, community, risk page + total, measures, links, cases/disputes/events behind
			// the links, the grid's case page and dispute page.
			check: func(t *testing.T, data json.RawMessage) {
				var d struct {
					Grid struct {
						ID        string
						Community struct{ Name string }
						RiskItems struct {
							TotalCount int
							Nodes      []struct {
								Level    string
								Measures []struct{ Overdue bool }
								Links    []struct {
									Typename string `json:"__typename"`
								}
							}
						}
						Cases struct {
							Nodes []struct{ CaseNo, ReceivedAt string }
						}
						Disputes struct{ Nodes []struct{ DisputeNo string } }
					}
				}
				mustDecode(t, data, &d)
				g := d.Grid
				if g.ID == "" || g.Community.Name == "" {
					t.Errorf("grid or community missing: %s", data)
				}
				if g.RiskItems.TotalCount == 0 || len(g.RiskItems.Nodes) == 0 {
					t.Fatalf("want open MEDIUM/HIGH risk items in grid %s, got none", fx.gridCode)
				}
				if g.RiskItems.TotalCount < len(g.RiskItems.Nodes) {
					t.Errorf("totalCount %d < %d nodes", g.RiskItems.TotalCount, len(g.RiskItems.Nodes))
				}
				links := 0
				for _, n := range g.RiskItems.Nodes {
					if n.Level != "HIGH" && n.Level != "MEDIUM" {
						t.Errorf("risk item of level %s returned, want only HIGH or MEDIUM", n.Level)
					}
					links += len(n.Links)
				}
				if links == 0 {
					t.Errorf("no risk item has links; want the seeded links to cases, disputes or events")
				}
				cases := g.Cases.Nodes
				for i := 1; i < len(cases); i++ {
					if cases[i-1].ReceivedAt < cases[i].ReceivedAt {
						t.Errorf("cases not newest first: %s before %s", cases[i-1].ReceivedAt, cases[i].ReceivedAt)
					}
				}
				if len(cases) == 0 || len(cases) > 10 || len(g.Disputes.Nodes) > 10 {
					t.Errorf("got %d cases and %d disputes, want 1..10 of each", len(cases), len(g.Disputes.Nodes))
				}
			},
		},
		{
			name: "referred-disputes", vars: map[string]any{"first": 100},
			// dispute page + total, grid, community, case, station, officer, grants,
			// programs, agreement, follow-ups.
			check: func(t *testing.T, data json.RawMessage) {
				var d struct {
					Disputes struct {
						TotalCount int
						PageInfo   struct {
							HasNextPage bool
							EndCursor   string
						}
						Nodes []struct {
							DisputeNo    string
							ReceivedAt   string
							Grid         *struct{ Code string }
							ReferredCase *struct {
								CaseNo      string
								Station     struct{ Name string }
								LeadOfficer *struct {
									BadgeNo       string
									BenefitGrants []struct{ Program struct{ Name string } }
								}
							}
						}
					}
				}
				mustDecode(t, data, &d)
				nodes := d.Disputes.Nodes
				if len(nodes) == 0 {
					t.Fatalf("no referred disputes in the seeded data")
				}
				if d.Disputes.TotalCount > 100 != d.Disputes.PageInfo.HasNextPage {
					t.Errorf("totalCount %d but hasNextPage %v", d.Disputes.TotalCount, d.Disputes.PageInfo.HasNextPage)
				}
				for i, n := range nodes {
					if n.ReferredCase == nil || n.ReferredCase.CaseNo == "" || n.ReferredCase.Station.Name == "" {
						t.Fatalf("dispute %s has no referred case with a station", n.DisputeNo)
					}
					if i > 0 && nodes[i-1].ReceivedAt < n.ReceivedAt {
						t.Errorf("disputes not newest first at %d", i)
					}
				}
			},
		},
		{
			name: "station-welfare", vars: map[string]any{"id": fx.stationID},
			// station, officer page + total, grants, programs, survey page, summaries.
			check: func(t *testing.T, data json.RawMessage) {
				var d struct {
					Node struct {
						Name     string
						Officers struct {
							TotalCount int
							Nodes      []struct {
								BadgeNo       string
								BenefitGrants []struct{ Status string }
							}
						}
						Surveys struct {
							Nodes []struct {
								Period  string
								Summary struct {
									Respondents *int
									Overall     *float64
								}
							}
						}
					}
				}
				mustDecode(t, data, &d)
				if d.Node.Name == "" || len(d.Node.Officers.Nodes) == 0 || len(d.Node.Surveys.Nodes) == 0 {
					t.Fatalf("station, officers or surveys missing: %s", data)
				}
				for _, s := range d.Node.Surveys.Nodes {
					if r := s.Summary.Respondents; (r == nil) != (s.Summary.Overall == nil) || (r != nil && *r < 5) {
						t.Errorf("survey %s summary shows %v respondents with overall %v; want figures only over 5 or more", s.Period, r, s.Summary.Overall)
					}
				}
			},
		},
		{
			name: "person-view", vars: map[string]any{"id": fx.personID},
			// person, grid, case parties, cases, stations, dispute parties, disputes, committees.
			check: func(t *testing.T, data json.RawMessage) {
				var d struct {
					Node struct {
						Name                string
						CaseInvolvements    []struct{ Case struct{ CaseNo string } }
						DisputeInvolvements []struct{ Dispute struct{ DisputeNo string } }
					}
				}
				mustDecode(t, data, &d)
				if len(d.Node.CaseInvolvements) == 0 || len(d.Node.DisputeInvolvements) == 0 {
					t.Errorf("want the person's cases and disputes, got %s", data)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hub.Query(t, contractQuery(t, tt.name), tt.vars)
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %s", res.Raw)
			}
			tt.check(t, res.Data)
			checkStatements(t, "one per relation and level", res.Statements, contractStatements[tt.name])
		})
	}
}

// TestStatementsDoNotGrowWithRows runs the referred-disputes query at two page sizes, the
// second the documented maximum (which the default limits must admit): both must run the
// same, documented number of statements.
func TestStatementsDoNotGrowWithRows(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	q := contractQuery(t, "referred-disputes")
	small := hub.Query(t, q, map[string]any{"first": 30})
	large := hub.Query(t, q, map[string]any{"first": 500})
	if len(small.Errors)+len(large.Errors) > 0 {
		t.Fatalf("errors: %s %s", small.Raw, large.Raw)
	}
	checkStatements(t, "first: 30", small.Statements, contractStatements["referred-disputes"])
	checkStatements(t, "first: 500", large.Statements, contractStatements["referred-disputes"])
}

func mustDecode(t *testing.T, data json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}
