package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// TestAnalystRowListsForbidden asks, as an analyst, for every root row list and single-row
// lookup of records about people and wants FORBIDDEN with a hint naming the *Stats fields,
// not an empty list with totalCount 0 or a null; reference lists stay readable. Every root
// field that returns rows is in one of the two tables, so a new root list must be classified.
func TestAnalystRowListsForbidden(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	analyst := hub.As(t, auth.Analyst, auth.ScopeClaims{})
	ctx := context.Background()
	one := func(sql string) string {
		var s string
		if err := hub.Pool.QueryRow(ctx, sql).Scan(&s); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return s
	}
	var caseID, personID int64
	if err := hub.Pool.QueryRow(ctx, `SELECT (SELECT min(id) FROM police."case"), (SELECT min(id) FROM street.person)`).Scan(&caseID, &personID); err != nil {
		t.Fatal(err)
	}
	forbidden := []struct {
		field, query, stats string
	}{
		{"cases", `{ cases(first: 5) { totalCount nodes { caseNo } } }`, "caseStats"},
		{"disputes", `{ disputes(first: 5) { totalCount nodes { disputeNo } } }`, "disputeStats"},
		{"gridEvents", `{ gridEvents(first: 5) { totalCount nodes { eventNo } } }`, "gridEventStats"},
		{"persons", `{ persons(first: 5) { totalCount nodes { id } } }`, "crossAgencyStats"},
		{"officers", `{ officers(first: 5) { totalCount nodes { badgeNo } } }`, "caseStats"},
		{"benefitGrants", `{ benefitGrants(first: 5) { totalCount nodes { id } } }`, "benefitGrantStats"},
		{"riskItems", `{ riskItems(first: 5) { totalCount nodes { id } } }`, "riskItemStats"},
		{"assessments", `{ assessments(first: 5) { totalCount nodes { id } } }`, "riskItemStats"},
		{"accessLog", `{ accessLog(first: 5) { totalCount nodes { id } } }`, "Stats"},
		{"urgentQueue", `{ urgentQueue { workflow minutesLeft } }`, "responseStats"},
		{"overdueAgreements", `{ overdueAgreements { agreement { id } } }`, "overdueAgreementStats"},
		{"case", fmt.Sprintf(`{ case(caseNo: %q) { id } }`, one(`SELECT min(case_no) FROM police."case"`)), "caseStats"},
		{"dispute", fmt.Sprintf(`{ dispute(disputeNo: %q) { id } }`, one(`SELECT min(dispute_no) FROM mediation.dispute`)), "disputeStats"},
		{"gridEvent", fmt.Sprintf(`{ gridEvent(eventNo: %q) { id } }`, one(`SELECT min(event_no) FROM street.grid_event`)), "gridEventStats"},
		{"officer", fmt.Sprintf(`{ officer(badgeNo: %q) { id } }`, one(`SELECT min(badge_no) FROM police.officer`)), "caseStats"},
		{"node", fmt.Sprintf(`{ node(id: %q) { id } }`, globalid.Encode("Case", caseID)), "caseStats"},
		{"nodes", fmt.Sprintf(`{ nodes(ids: [%q, %q]) { id } }`, globalid.Encode("Grid", 1), globalid.Encode("Person", personID)), "crossAgencyStats"},
	}
	// Reference data without personal details: analysts read it (grid codes and names are the
	// keys of their aggregates).
	readable := map[string]string{
		"communities":       `{ communities(first: 1) { totalCount } }`,
		"community":         fmt.Sprintf(`{ community(code: %q) { id } }`, one(`SELECT min(code) FROM street.community`)),
		"grids":             `{ grids(first: 1) { totalCount } }`,
		"grid":              fmt.Sprintf(`{ grid(code: %q) { id } }`, one(`SELECT min(code) FROM street.grid`)),
		"stations":          `{ stations(first: 1) { totalCount } }`,
		"station":           fmt.Sprintf(`{ station(code: %q) { id } }`, one(`SELECT min(code) FROM police.station`)),
		"committees":        `{ committees(first: 1) { totalCount } }`,
		"mediators":         `{ mediators(first: 1) { totalCount } }`,
		"gridWorkers":       `{ gridWorkers(first: 1) { totalCount } }`,
		"propertyCompanies": `{ propertyCompanies(first: 1) { totalCount } }`,
		"estates":           `{ estates(first: 1) { totalCount } }`,
		"programs":          `{ programs(first: 1) { totalCount } }`,
		"surveys":           `{ surveys(first: 1) { totalCount } }`,
		"rules":             `{ rules { code } }`,
		"gridRedraws":       `{ gridRedraws { id } }`,
	}
	for _, tc := range forbidden {
		t.Run("forbidden/"+tc.field, func(t *testing.T) {
			res := analyst.Query(t, tc.query, nil)
			if len(res.Errors) == 0 {
				t.Fatalf("analyst asking %s: want FORBIDDEN with a hint to the aggregates, got %s", tc.field, res.Raw)
			}
			e := res.Errors[0]
			if e.Code() != "FORBIDDEN" || !strings.Contains(e.Message, tc.stats) {
				t.Errorf("analyst asking %s: code %q message %q, want FORBIDDEN naming %s", tc.field, e.Code(), e.Message, tc.stats)
			}
			if tc.field == "overdueAgreements" {
				return // refused by db/analytics, with its own wording
			}
			if hint, _ := e.Extensions["hint"].(string); !strings.Contains(hint, tc.stats) {
				t.Errorf("analyst asking %s: extensions.hint %q, want it to name %s", tc.field, hint, tc.stats)
			}
		})
	}
	for field, query := range readable {
		t.Run("readable/"+field, func(t *testing.T) {
			var data map[string]json.RawMessage
			analyst.Query(t, query, nil).MustData(t, &data)
			if string(data[field]) == "null" || string(data[field]) == `{"totalCount":0}` {
				t.Errorf("analyst reading reference list %s: got %s, want rows", field, data[field])
			}
		})
	}

	// Every root field that returns records (a connection, a Node, a list of either, the
	// urgent queue and the overdue list) is classified above; *Stats fields are aggregates.
	var schema struct {
		Schema struct {
			QueryType struct {
				Fields []struct {
					Name string
				}
			}
		} `json:"__schema"`
	}
	hub.Query(t, `{ __schema { queryType { fields { name } } } }`, nil).MustData(t, &schema)
	classified := map[string]bool{}
	for _, tc := range forbidden {
		classified[tc.field] = true
	}
	for f := range readable {
		classified[f] = true
	}
	for _, f := range schema.Schema.QueryType.Fields {
		if strings.HasSuffix(f.Name, "Stats") || strings.HasPrefix(f.Name, "__") {
			continue
		}
		if !classified[f.Name] {
			t.Errorf("root field %s is neither checked as refused to analysts nor as readable by them: add it to one of the tables", f.Name)
		}
	}
}
