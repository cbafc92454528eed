package server_test

import (
	"fmt"
	"testing"
	"time"

	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// TestStatsLinkingDimensions groups cases, grid events, disputes and risk items by estate,
// property company, management mode and alliance membership on the row's day (issue 12),
// and checks every cell against counts computed in Go from the raw rows.
func TestStatsLinkingDimensions(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	type membership struct {
		company      int64
		joined, left time.Time
		open         bool
	}
	var members []membership
	queryRows(t, hub, `SELECT property_company_id, joined_on, left_on FROM street.alliance_membership`, nil, func(scan func(...any) error) {
		var m membership
		var left *time.Time
		_ = scan(&m.company, &m.joined, &left)
		if left == nil {
			m.open = true
		} else {
			m.left = *left
		}
		members = append(members, m)
	})
	memberOn := func(company int64, day time.Time) bool {
		for _, m := range members {
			if m.company == company && !m.joined.After(day) && (m.open || m.left.After(day)) {
				return true
			}
		}
		return false
	}
	sawMember := map[bool]bool{}
	for _, tc := range []struct {
		field, table, at string
		people           bool
	}{
		{"caseStats", `police."case"`, "received_at", true},
		{"gridEventStats", "street.grid_event", "reported_at", true},
		{"disputeStats", "mediation.dispute", "received_at", true},
		{"riskItemStats", "risk.risk_item", "identified_at", false},
	} {
		type row struct {
			estate, company *int64
			mode            *string
			day             time.Time
		}
		var rows []row
		queryRows(t, hub, fmt.Sprintf(`SELECT x.estate_id, e.property_company_id, e.management_mode, (x.%s AT TIME ZONE 'Asia/Shanghai')::date
			FROM %s x LEFT JOIN street.estate e ON e.id = x.estate_id`, tc.at, tc.table), nil, func(scan func(...any) error) {
			var r row
			_ = scan(&r.estate, &r.company, &r.mode, &r.day)
			rows = append(rows, r)
		})
		ref := func(typ string, id *int64) string {
			if id == nil {
				return ""
			}
			return globalid.Encode(typ, *id)
		}
		for _, dim := range []struct {
			key, selection, path string
			of                   func(row) string
		}{
			{"ESTATE", "estate { id }", "estate.id", func(r row) string { return ref("Estate", r.estate) }},
			{"PROPERTY_COMPANY", "propertyCompany { id }", "propertyCompany.id", func(r row) string { return ref("PropertyCompany", r.company) }},
			{"MANAGEMENT_MODE", "managementMode", "managementMode", func(r row) string {
				if r.mode == nil {
					return ""
				}
				return *r.mode
			}},
			{"ALLIANCE_MEMBER", "allianceMember", "allianceMember", func(r row) string {
				if r.estate == nil {
					return ""
				}
				m := r.company != nil && memberOn(*r.company, r.day)
				sawMember[m] = true
				return fmt.Sprint(m)
			}},
		} {
			t.Run(tc.field+"/"+dim.key, func(t *testing.T) {
				counts := map[string]int{}
				for _, r := range rows {
					counts[dim.of(r)]++
				}
				expected, people := map[string]want{}, map[string]int{}
				for k, n := range counts {
					expected[k] = want{"count": f(float64(n))}
					people[k] = n
				}
				if !tc.people {
					people = nil
				}
				res := hub.Query(t, fmt.Sprintf(`{ %s(groupBy: [%s]) { %s suppressed count } }`, tc.field, dim.key, dim.selection), nil)
				checkCells(t, groups(t, res, tc.field), func(r map[string]any) string { return str(r, dim.path) }, expected, people)
			})
		}
	}
	if !sawMember[true] || !sawMember[false] {
		t.Errorf("the seed's rows are alliance members %v: want both members and non-members so the key is tested", sawMember)
	}
}

// TestStatsEstateFilters checks the estateId and propertyCompanyId filters of the four
// aggregates and of the disputes list (DisputeFilter had no estateId) against plain SQL.
func TestStatsEstateFilters(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	var estate, company int64
	if err := hub.Pool.QueryRow(t.Context(), `SELECT d.estate_id, e.property_company_id FROM mediation.dispute d JOIN street.estate e ON e.id = d.estate_id
		WHERE e.property_company_id IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&estate, &company); err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"e": globalid.Encode("Estate", estate), "c": globalid.Encode("PropertyCompany", company)}
	for _, tc := range []struct {
		name, query, sql string
	}{
		{"disputes list by estate", `query($e: ID) { disputes(filter: { estateId: $e }) { totalCount } }`,
			`SELECT count(*) FROM mediation.dispute WHERE estate_id = $1`},
		{"disputes list by company", `query($c: ID) { disputes(filter: { propertyCompanyId: $c }) { totalCount } }`,
			`SELECT count(*) FROM mediation.dispute d JOIN street.estate e ON e.id = d.estate_id WHERE e.property_company_id = $2`},
		{"disputeStats by estate", `query($e: ID) { x: disputeStats(filter: { estateId: $e }) { count } }`,
			`SELECT count(*) FROM mediation.dispute WHERE estate_id = $1`},
		{"caseStats by company", `query($c: ID) { x: caseStats(filter: { propertyCompanyId: $c }) { count } }`,
			`SELECT count(*) FROM police."case" x JOIN street.estate e ON e.id = x.estate_id WHERE e.property_company_id = $2`},
		{"gridEventStats by company", `query($c: ID) { x: gridEventStats(filter: { propertyCompanyId: $c }) { count } }`,
			`SELECT count(*) FROM street.grid_event x JOIN street.estate e ON e.id = x.estate_id WHERE e.property_company_id = $2`},
		{"riskItemStats by estate", `query($e: ID) { x: riskItemStats(filter: { estateId: $e }) { count } }`,
			`SELECT count(*) FROM risk.risk_item WHERE estate_id = $1`},
	} {
		var n int
		if err := hub.Pool.QueryRow(t.Context(), `SELECT (`+tc.sql+`) + 0 * ($1::bigint + $2::bigint)`, estate, company).Scan(&n); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		res := hub.Query(t, tc.query, vars)
		var data map[string]any
		res.MustData(t, &data)
		got := ""
		if list, ok := data["disputes"].(map[string]any); ok {
			got = fmt.Sprint(list["totalCount"])
		} else if cells, ok := data["x"].([]any); ok && len(cells) == 1 {
			got = fmt.Sprint(cells[0].(map[string]any)["count"])
		}
		if n >= minCell && got != fmt.Sprint(n) {
			t.Errorf("%s: %s, want %d (plain SQL)", tc.name, res.Raw, n)
		}
		if n < minCell && got != "<nil>" && got != fmt.Sprint(n) {
			t.Errorf("%s: %s, want %d or a suppressed cell", tc.name, res.Raw, n)
		}
	}
}
