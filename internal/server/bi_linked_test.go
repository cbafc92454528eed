package server_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
)

// crossAgencySQL recomputes crossAgencyStats in plain SQL, differently from the hub (GROUP BY
// person and cell instead of window aggregates): every record of the four agencies, the
// persons each names (parties; a converted grid event's and a linked risk item's are the
// parties of the case or dispute), and per cell (community code and local year, or one cell
// the key expression %s over r, g and c) the people, households (registered address) and estates touched by
// 2+ agencies, with the people a cell is about (each person once, each record naming nobody
// once).
const crossAgencySQL = `
WITH rec AS (
  SELECT 1 AS ag, id, received_at AS at, grid_id, estate_id FROM police."case"
  UNION ALL SELECT 2, id, received_at, grid_id, estate_id FROM mediation.dispute
  UNION ALL SELECT 4, id, reported_at, grid_id, estate_id FROM street.grid_event
  UNION ALL SELECT 8, id, identified_at, grid_id, estate_id FROM risk.risk_item),
party AS (
  SELECT 1 AS ag, case_id AS id, person_id FROM police.case_party
  UNION SELECT 2, dispute_id, person_id FROM mediation.dispute_party
  UNION SELECT 4, e.id, cp.person_id FROM street.grid_event e JOIN police.case_party cp ON cp.case_id = e.converted_case_id
  UNION SELECT 4, e.id, dp.person_id FROM street.grid_event e JOIN mediation.dispute_party dp ON dp.dispute_id = e.converted_dispute_id
  UNION SELECT 8, l.risk_item_id, cp.person_id FROM risk.risk_link l JOIN police.case_party cp ON cp.case_id = l.case_id
  UNION SELECT 8, l.risk_item_id, dp.person_id FROM risk.risk_link l JOIN mediation.dispute_party dp ON dp.dispute_id = l.dispute_id),
cell AS (
  SELECT r.*, %s AS k
  FROM rec r LEFT JOIN street.grid g ON g.id = r.grid_id LEFT JOIN street.community c ON c.id = g.community_id),
persons AS (
  SELECT cell.k, cell.ag, coalesce(p.id_number_hmac, int8send(p.id)) AS who, nullif(btrim(p.address), '') AS hh
  FROM cell JOIN party USING (ag, id) JOIN street.person p ON p.id = party.person_id),
per_person AS (SELECT k, who, count(DISTINCT ag) AS n, bool_or(ag = 1) AND bool_or(ag = 2) AS pm FROM persons GROUP BY 1, 2),
per_hh AS (SELECT k, hh, count(DISTINCT ag) AS n FROM persons WHERE hh IS NOT NULL GROUP BY 1, 2),
per_estate AS (SELECT k, estate_id, count(DISTINCT ag) AS n FROM cell WHERE estate_id IS NOT NULL GROUP BY 1, 2)
SELECT keys.k,
  (SELECT count(*) FROM per_person x WHERE x.k = keys.k),
  (SELECT count(*) FROM per_person x WHERE x.k = keys.k AND x.n >= 2),
  (SELECT count(*) FROM per_person x WHERE x.k = keys.k AND x.pm),
  (SELECT count(*) FROM per_hh x WHERE x.k = keys.k),
  (SELECT count(*) FROM per_hh x WHERE x.k = keys.k AND x.n >= 2),
  (SELECT count(*) FROM per_estate x WHERE x.k = keys.k),
  (SELECT count(*) FROM per_estate x WHERE x.k = keys.k AND x.n >= 2),
  (SELECT count(*) FROM per_estate x WHERE x.k = keys.k AND x.n = 4),
  (SELECT count(*) FROM per_person x WHERE x.k = keys.k)
    + (SELECT count(*) FROM cell WHERE cell.k = keys.k AND NOT EXISTS (SELECT 1 FROM party WHERE party.ag = cell.ag AND party.id = cell.id))
FROM (SELECT DISTINCT k FROM cell) keys`

// crossAgencyFields are the measures of CrossAgencyStatsGroup, in crossAgencySQL's order.
var crossAgencyFields = []string{"people", "peopleMultiAgency", "peopleMediationAndPolice", "households",
	"householdsMultiAgency", "estates", "estatesMultiAgency", "estatesAllAgencies"}

// TestCrossAgencyStats: the people, households and estates touched by two or more agencies,
// ungrouped and by community and year, equal plain SQL over the seed, with cells about fewer
// than five people suppressed; the answer names nobody (raw bytes); roles that read rows of
// one agency only may not ask it.
func TestCrossAgencyStats(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	analyst := hub.As(t, auth.Analyst, auth.ScopeClaims{})
	fields := "suppressed"
	for _, m := range crossAgencyFields {
		fields += " " + m
	}
	tests := []struct {
		name, args, sqlKey, key string
		example                 string // a saved example asked instead, at its saved variables
	}{
		{"ungrouped", "", "''", "", ""},
		{"saved example by community and year", "",
			"coalesce(c.code, '') || '|' || to_char(r.at AT TIME ZONE 'Asia/Shanghai', 'YYYY')", "community.code", "stats-cross-agency-by-community-year"},
		{"by grid and year", "(groupBy: [GRID], timeBucket: YEAR)",
			"coalesce(g.code, '') || '|' || to_char(r.at AT TIME ZONE 'Asia/Shanghai', 'YYYY')", "grid.code", ""},
		{"by grid and month (suppressed cells)", "(groupBy: [GRID], timeBucket: MONTH)",
			"coalesce(g.code, '') || '|' || to_char(r.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')", "grid.code", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expected, people := map[string]want{}, map[string]int{}
			multi := 0
			queryRows(t, hub, fmt.Sprintf(crossAgencySQL, tc.sqlKey), nil, func(scan func(...any) error) {
				var k string
				v := make([]int, len(crossAgencyFields)+1)
				dest := []any{&k}
				for i := range v {
					dest = append(dest, &v[i])
				}
				_ = scan(dest...)
				w := want{}
				for i, m := range crossAgencyFields {
					w[m] = f(float64(v[i]))
				}
				expected[k], people[k] = w, v[len(v)-1]
				multi += v[1]
			})
			if multi == 0 {
				t.Fatal("plain SQL finds no person touched by two agencies; the test needs some")
			}
			key := func(r map[string]any) string {
				if tc.key == "" {
					return ""
				}
				return str(r, tc.key) + "|" + str(r, "bucketLabel")
			}
			query, vars := fmt.Sprintf("{ crossAgencyStats%s { community { code } grid { code } bucketLabel %s } }", tc.args, fields), map[string]any(nil)
			if tc.example != "" {
				query, vars = savedExample(t, tc.example)
			}
			res := analyst.Query(t, query, vars)
			checkCells(t, groups(t, res, "crossAgencyStats"), key, expected, people)
			t.Logf("%d people touched by two or more agencies over the cells", multi)
		})
	}

	// The answer names nobody: no name, address (household), identity HMAC or record number
	// of a person touched by two agencies appears in the raw bytes, whatever is grouped.
	var names, addresses, hmacs []string
	queryRows(t, hub, `SELECT p.name, coalesce(p.address, ''), coalesce(encode(p.id_number_hmac, 'hex'), '')
		FROM street.person p WHERE p.id IN (SELECT person_id FROM police.case_party) AND p.id IN (SELECT person_id FROM mediation.dispute_party) LIMIT 50`,
		nil, func(scan func(...any) error) {
			var n, a, h string
			_ = scan(&n, &a, &h)
			names, addresses, hmacs = append(names, n), append(addresses, a), append(hmacs, h)
		})
	if len(names) == 0 {
		t.Fatal("no person is a party of both a case and a dispute")
	}
	for _, q := range []string{
		"{ crossAgencyStats(groupBy: [GRID, ESTATE], timeBucket: MONTH) { grid { code name } estate { name } bucketLabel " + fields + " } }",
		"{ crossAgencyStats(groupBy: [COMMUNITY, MANAGEMENT_MODE]) { community { name } managementMode " + fields + " } }",
	} {
		raw := analyst.Query(t, q, nil).Raw
		if !bytes.Contains(raw, []byte("peopleMultiAgency")) {
			t.Fatalf("no answer: %s", raw)
		}
		for i := range names {
			for _, s := range []string{names[i], addresses[i], hmacs[i]} {
				if s != "" && bytes.Contains(raw, []byte(s)) {
					t.Errorf("crossAgencyStats names a person (%q) in %.200s", s, raw)
				}
			}
		}
	}

	for _, role := range []string{auth.GridWorker, auth.PoliceOfficer, auth.Mediator} {
		res := hub.As(t, role, auth.ScopeClaims{}).Query(t, "{ crossAgencyStats { people } }", nil)
		if len(res.Errors) == 0 || res.Errors[0].Code() != "FORBIDDEN" {
			t.Errorf("%s: %s, want FORBIDDEN (the role reads one agency's rows only)", role, res.Raw)
		}
	}
}

// touchDiff counts the rows in which hub.agency_touch, kept by the write transactions'
// triggers, differs from the touches derived from the records now (both ways), and the
// records whose touches do not have exactly one first row.
const touchDiff = `
WITH want AS (
  SELECT s.agency::smallint AS agency, s.record_id, s.person_id, h.id AS household_id, s.at, s.at AT TIME ZONE 'Asia/Shanghai' AS local_at,
    s.grid_id, g.community_id, v.grid_id AS grid_of_time, v.community_id AS community_of_time, s.estate_id
  FROM (SELECT * FROM hub.touch_source(1, (SELECT array_agg(id) FROM police."case"))
    UNION ALL SELECT * FROM hub.touch_source(2, (SELECT array_agg(id) FROM mediation.dispute))
    UNION ALL SELECT * FROM hub.touch_source(4, (SELECT array_agg(id) FROM street.grid_event))
    UNION ALL SELECT * FROM hub.touch_source(8, (SELECT array_agg(id) FROM risk.risk_item))) s
  LEFT JOIN street.person p ON p.id = s.person_id
  LEFT JOIN hub.household h ON h.address = nullif(btrim(p.address), '')
  LEFT JOIN street.grid g ON g.id = s.grid_id
  LEFT JOIN street.grid_version v ON v.id = s.grid_version_id),
have AS (
  SELECT agency, record_id, person_id, household_id, at, local_at, grid_id, community_id, grid_of_time, community_of_time, estate_id
  FROM hub.agency_touch)
SELECT (SELECT count(*) FROM (SELECT * FROM want EXCEPT ALL SELECT * FROM have) x),
  (SELECT count(*) FROM (SELECT * FROM have EXCEPT ALL SELECT * FROM want) x),
  (SELECT count(*) FROM (SELECT agency, record_id FROM hub.agency_touch GROUP BY 1, 2 HAVING count(*) FILTER (WHERE record_first) <> 1) x)`

// TestAgencyTouchesFollowWrites: crossAgencyStats reads the touches the write transactions
// keep (hub.agency_touch, migration 00340); after each kind of write that changes what a
// touch is derived from (a new case and its parties, a party removed, a grid event converted
// into a dispute, a risk item linked to a case, a record moved to another grid or estate, a
// person's address, a grid moved to another community, a record deleted), the table equals the
// derivation from the records.
func TestAgencyTouchesFollowWrites(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	check := func(step string) {
		t.Helper()
		var missing, extra, firsts int
		if err := hub.Pool.QueryRow(ctx, touchDiff).Scan(&missing, &extra, &firsts); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if missing != 0 || extra != 0 || firsts != 0 {
			t.Errorf("%s: %d derived touches missing from hub.agency_touch, %d there not derived, %d records without exactly one first row; want 0, 0, 0",
				step, missing, extra, firsts)
		}
	}
	check("seeded")
	var n int
	if err := hub.Pool.QueryRow(ctx, `SELECT count(*) FROM hub.agency_touch`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("hub.agency_touch has %d rows (%v), want the seed's touches", n, err)
	}
	steps := []struct{ name, sql string }{
		{"a new case with two parties", `
			WITH c AS (INSERT INTO police."case" (case_no, station_id, kind, category, source, status, summary, occurred_at, received_at, grid_id, grid_version_id, address)
			  SELECT 'T-TOUCH-1', station_id, kind, category, source, status, summary, occurred_at, received_at, grid_id, grid_version_id, address FROM police."case" ORDER BY id LIMIT 1 RETURNING id)
			INSERT INTO police.case_party (case_id, person_id, role)
			SELECT c.id, p.id, 'VICTIM' FROM c, (SELECT id FROM street.person ORDER BY id LIMIT 2) p`},
		{"a party removed", `DELETE FROM police.case_party WHERE id = (SELECT max(id) FROM police.case_party)`},
		{"a grid event converted into a dispute with parties", `
			UPDATE street.grid_event SET status = 'CONVERTED', closed_at = coalesce(closed_at, reported_at), converted_dispute_id = (SELECT min(dispute_id) FROM mediation.dispute_party)
			WHERE id = (SELECT min(id) FROM street.grid_event WHERE converted_dispute_id IS NULL AND converted_case_id IS NULL)`},
		{"a dispute party added", `
			INSERT INTO mediation.dispute_party (dispute_id, person_id, side)
			SELECT (SELECT min(dispute_id) FROM mediation.dispute_party), p.id, 'RESPONDENT' FROM street.person p
			WHERE p.id NOT IN (SELECT person_id FROM mediation.dispute_party WHERE dispute_id = (SELECT min(dispute_id) FROM mediation.dispute_party))
			ORDER BY p.id DESC LIMIT 1`},
		{"a risk item linked to a case", `
			INSERT INTO risk.risk_link (risk_item_id, case_id)
			SELECT (SELECT min(id) FROM risk.risk_item), (SELECT max(case_id) FROM police.case_party)`},
		{"a case moved to another grid and estate", `
			UPDATE police."case" SET grid_id = (SELECT max(id) FROM street.grid), estate_id = (SELECT max(id) FROM street.estate)
			WHERE id = (SELECT max(case_id) FROM police.case_party)`},
		{"a case's status only", `UPDATE police."case" SET summary = summary || '.' WHERE id IN (SELECT id FROM police."case" ORDER BY id LIMIT 3)`},
		{"a person's address", `UPDATE street.person SET address = 'Touch test road 1' WHERE id = (SELECT min(person_id) FROM police.case_party)`},
		{"two persons' addresses, one emptied", `
			UPDATE street.person SET address = CASE WHEN id % 2 = 0 THEN '  ' ELSE 'Touch test road 2' END
			WHERE id IN (SELECT person_id FROM mediation.dispute_party ORDER BY id LIMIT 2)`},
		{"a grid moved to another community", `
			UPDATE street.grid SET community_id = (SELECT max(id) FROM street.community)
			WHERE id = (SELECT min(grid_id) FROM police."case") AND community_id <> (SELECT max(id) FROM street.community)`},
		{"a risk link removed", `DELETE FROM risk.risk_link WHERE id = (SELECT max(id) FROM risk.risk_link)`},
		{"a case deleted", `
			WITH gone AS (DELETE FROM police.case_party WHERE case_id = (SELECT id FROM police."case" WHERE case_no = 'T-TOUCH-1'))
			SELECT 1`},
	}
	for _, s := range steps {
		if _, err := hub.Pool.Exec(ctx, s.sql); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		check(s.name)
	}
	if _, err := hub.Pool.Exec(ctx, `DELETE FROM police."case" WHERE case_no = 'T-TOUCH-1'`); err != nil {
		t.Fatalf("delete the new case: %v", err)
	}
	check("the new case deleted")
}
