package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// LiveGrids are the grids that get live records at every scale: each gets, in the last hour
// of the reference period, two NON_POLICE calls an officer is ON_SCENE at (ready for
// advanceCase to NON_POLICE, then referCaseToMediation), a third already classified
// NON_POLICE (ready for referCaseToMediation: the playground's ReferCase tab), a RECEIVED
// dispute a party applied for, and a REPORTED grid event. README's examples name them.
// Each also gets two records awaiting their response at the seed's reference time
// (ReferenceTime): a call the police were dispatched to but have not reached, received 15
// minutes before it (CASE_ON_SCENE allows 30), and a CRITICAL grid event reported 40 minutes
// before it (GRID_EVENT_RESPONSE_CRITICAL allows 60), so urgentQueue(asOf:) at that time
// lists them.
var LiveGrids = []string{"C01-01", "C01-02", "C02-01", "C02-02"}

// ReferenceTime is the end of the seeded period (2026-11-01 00:00 in Asia/Shanghai, the
// first instant after it): the seed's "now", from which its live records are open.
var ReferenceTime = time.Date(2026, 11, 1, 0, 0, 0, 0, seedZone)

// seedZone is the office's offset (+08, no daylight saving) the generated data are laid out in.
var seedZone = time.FixedZone("CST", 8*3600)

// reportedEventsLog starts the status log of the grid events inserted after $1 (the largest
// id before them) at their reception, as REPORTED.
const reportedEventsLog = `
		INSERT INTO street.grid_event_status_log (entity_id, from_status, to_status, at, actor)
		SELECT e.id, NULL, 'REPORTED', e.reported_at, coalesce('grid_worker:' || e.reporter_id, 'street:office')
		  FROM street.grid_event e WHERE e.id > $1 ORDER BY e.id`

// liveStatements insert the live records with SQL over the loaded data, after the identity
// sequences are reset, so every row generated before keeps its id and number. Each
// statement is deterministic (ordered by id), and keeps the rules the rest of the seed keeps
// (the cases' response moments are those of their status logs, as hub.fill_response_moments
// derives them for the rest):
// the lead officer is the grid's PATCH officer, status logs start at reception and chain,
// parties are adult residents of the grid, committees cover the grid's community.
var liveStatements = []struct {
	table  string
	parent string // "": the statement takes $1, the grid codes; else $1 is the largest id of parent before
	sql    string
}{
	{"police.case", "", `
		WITH g AS (
			SELECT g.id, g.name, o.id AS officer, o.station_id, o.badge_no, ord
			  FROM unnest($1::text[]) WITH ORDINALITY AS l(code, ord)
			  JOIN street.grid g ON g.code = l.code
			  JOIN police.officer_grid og ON og.grid_id = g.id AND og.role = 'PATCH'
			  JOIN police.officer o ON o.id = og.officer_id),
		n AS (SELECT coalesce(max(substr(case_no, 7)::int), 0) AS last FROM police."case" WHERE case_no LIKE 'J2026-%'),
		c AS (
			SELECT g.*, k, timestamptz '2026-10-31 15:00Z' + (g.ord * 3 + k) * interval '2 minutes' AS received,
			       row_number() OVER (ORDER BY g.ord, k) AS rn
			  FROM g, generate_series(0, 2) AS k)
		INSERT INTO police."case" (case_no, station_id, kind, category, source, status, summary, occurred_at, received_at, grid_id, address, lead_officer_id,
		                           dispatched_at, on_scene_at)
		SELECT 'J2026-' || lpad((n.last + c.rn)::text, 6, '0'), c.station_id, 'NON_POLICE',
		       CASE c.k WHEN 1 THEN 'NOISE' ELSE 'NEIGHBOUR_DISPUTE' END, 'HOTLINE_110', CASE c.k WHEN 2 THEN 'NON_POLICE' ELSE 'ON_SCENE' END,
		       CASE c.k WHEN 1 THEN '居民来电：楼上深夜装修噪音扰民，民警已到场' ELSE '居民来电：与邻居因楼道堆放杂物发生争执，民警已到场' END
		         || '（' || c.name || '）',
		       c.received - interval '10 minutes', c.received, c.id, c.name, c.officer,
		       c.received + interval '2 minutes', c.received + interval '12 minutes'
		  FROM c, n ORDER BY c.rn`},
	{"police.case_status_log", "police.case", `
		INSERT INTO police.case_status_log (entity_id, from_status, to_status, at, actor)
		SELECT c.id, s.from_status, s.to_status, c.received_at + s.after, 'officer:' || o.badge_no
		  FROM police."case" c JOIN police.officer o ON o.id = c.lead_officer_id,
		       (VALUES (NULL, 'RECEIVED', interval '0'), ('RECEIVED', 'DISPATCHED', interval '2 minutes'),
		               ('DISPATCHED', 'ON_SCENE', interval '12 minutes'), ('ON_SCENE', 'NON_POLICE', interval '20 minutes')) AS s(from_status, to_status, after)
		 WHERE c.id > $1 AND (s.to_status <> 'NON_POLICE' OR c.status = 'NON_POLICE') ORDER BY c.id, s.after`},
	{"police.case_party", "police.case", `
		INSERT INTO police.case_party (case_id, person_id, role, is_minor)
		SELECT c.id, p.id, 'CALLER', false
		  FROM police."case" c
		  CROSS JOIN LATERAL (SELECT p.id FROM street.person p
		                       WHERE p.grid_id = c.grid_id AND p.birth_date <= date '1990-01-01'
		                       ORDER BY p.id OFFSET (c.id % 2) LIMIT 1) p
		 WHERE c.id > $1 ORDER BY c.id`},
	{"mediation.dispute", "", `
		WITH g AS (
			SELECT g.id, g.name, ord, (SELECT m.id FROM mediation.committee m
			                            WHERE m.level = 'COMMUNITY' AND m.community_id = g.community_id ORDER BY m.id LIMIT 1) AS committee
			  FROM unnest($1::text[]) WITH ORDINALITY AS l(code, ord) JOIN street.grid g ON g.code = l.code),
		n AS (SELECT coalesce(max(substr(dispute_no, 7)::int), 0) AS last FROM mediation.dispute WHERE dispute_no LIKE 'T2026-%')
		INSERT INTO mediation.dispute (dispute_no, committee_id, source, grid_id, category, difficulty, status, summary, received_at)
		SELECT 'T2026-' || lpad((n.last + g.ord)::text, 5, '0'), g.committee, 'PARTY_APPLICATION', g.id, 'NEIGHBOUR', 'ORDINARY',
		       'RECEIVED', '居民申请调解：与邻居因空调外机噪音发生纠纷（' || g.name || '）',
		       timestamptz '2026-10-31 15:40Z' + g.ord * interval '1 minute'
		  FROM g, n WHERE g.committee IS NOT NULL ORDER BY g.ord`},
	{"mediation.dispute_status_log", "mediation.dispute", `
		INSERT INTO mediation.dispute_status_log (entity_id, from_status, to_status, at, actor)
		SELECT d.id, NULL, 'RECEIVED', d.received_at, 'committee:' || d.committee_id
		  FROM mediation.dispute d WHERE d.id > $1 ORDER BY d.id`},
	{"mediation.dispute_party", "mediation.dispute", `
		INSERT INTO mediation.dispute_party (dispute_id, person_id, side)
		SELECT d.id, p.id, CASE p.rn WHEN 1 THEN 'APPLICANT' ELSE 'RESPONDENT' END
		  FROM mediation.dispute d
		  CROSS JOIN LATERAL (SELECT p.id, row_number() OVER (ORDER BY p.id DESC) AS rn FROM street.person p
		                       WHERE p.grid_id = d.grid_id AND p.birth_date <= date '1990-01-01'
		                       ORDER BY p.id DESC LIMIT 2) p
		 WHERE d.id > $1 ORDER BY d.id, p.rn`},
	{"street.grid_event", "", `
		WITH g AS (
			SELECT g.id, g.name, ord, (SELECT w.id FROM street.grid_worker w WHERE w.grid_id = g.id AND w.active_to IS NULL
			                            ORDER BY w.id LIMIT 1) AS reporter
			  FROM unnest($1::text[]) WITH ORDINALITY AS l(code, ord) JOIN street.grid g ON g.code = l.code),
		n AS (SELECT coalesce(max(substr(event_no, 7)::int), 0) AS last FROM street.grid_event WHERE event_no LIKE 'E2026-%')
		INSERT INTO street.grid_event (event_no, grid_id, reporter_id, category, urgency, status, summary, reported_at, due_at)
		SELECT 'E2026-' || lpad((n.last + g.ord)::text, 6, '0'), g.id, g.reporter, 'SAFETY_HAZARD', 'HIGH', 'REPORTED',
		       '巡查发现：楼道电动车违规充电，存在火灾隐患（' || g.name || '）',
		       timestamptz '2026-10-31 15:20Z' + g.ord * interval '1 minute',
		       timestamptz '2026-10-31 15:20Z' + g.ord * interval '1 minute' + interval '1 day'
		  FROM g, n ORDER BY g.ord`},
	{"street.grid_event_status_log", "street.grid_event", reportedEventsLog},
	// Awaiting their response at ReferenceTime (16:00Z): numbered after the records above.
	{"police.case", "", `
		WITH g AS (
			SELECT g.id, g.name, o.id AS officer, o.station_id, ord
			  FROM unnest($1::text[]) WITH ORDINALITY AS l(code, ord)
			  JOIN street.grid g ON g.code = l.code
			  JOIN police.officer_grid og ON og.grid_id = g.id AND og.role = 'PATCH'
			  JOIN police.officer o ON o.id = og.officer_id),
		n AS (SELECT coalesce(max(substr(case_no, 7)::int), 0) AS last FROM police."case" WHERE case_no LIKE 'J2026-%')
		INSERT INTO police."case" (case_no, station_id, kind, category, source, status, summary, occurred_at, received_at, grid_id, address, lead_officer_id,
		                           dispatched_at)
		SELECT 'J2026-' || lpad((n.last + g.ord)::text, 6, '0'), g.station_id, 'CALL', 'ASSAULT', 'HOTLINE_110', 'DISPATCHED',
		       '居民来电：小区门口有人打架，民警正在赶往现场（' || g.name || '）',
		       timestamptz '2026-10-31 15:43Z' + g.ord * interval '1 minute', timestamptz '2026-10-31 15:44Z' + g.ord * interval '1 minute',
		       g.id, g.name, g.officer, timestamptz '2026-10-31 15:46Z' + g.ord * interval '1 minute'
		  FROM g, n ORDER BY g.ord`},
	{"police.case_status_log", "police.case", `
		INSERT INTO police.case_status_log (entity_id, from_status, to_status, at, actor)
		SELECT c.id, s.from_status, s.to_status, c.received_at + s.after, 'officer:' || o.badge_no
		  FROM police."case" c JOIN police.officer o ON o.id = c.lead_officer_id,
		       (VALUES (NULL, 'RECEIVED', interval '0'), ('RECEIVED', 'DISPATCHED', interval '2 minutes')) AS s(from_status, to_status, after)
		 WHERE c.id > $1 ORDER BY c.id, s.after`},
	{"street.grid_event", "", `
		WITH g AS (
			SELECT g.id, g.name, ord, (SELECT w.id FROM street.grid_worker w WHERE w.grid_id = g.id AND w.active_to IS NULL
			                            ORDER BY w.id LIMIT 1) AS reporter
			  FROM unnest($1::text[]) WITH ORDINALITY AS l(code, ord) JOIN street.grid g ON g.code = l.code),
		n AS (SELECT coalesce(max(substr(event_no, 7)::int), 0) AS last FROM street.grid_event WHERE event_no LIKE 'E2026-%')
		INSERT INTO street.grid_event (event_no, grid_id, reporter_id, category, urgency, status, summary, reported_at, due_at)
		SELECT 'E2026-' || lpad((n.last + g.ord)::text, 6, '0'), g.id, g.reporter, 'SAFETY_HAZARD', 'CRITICAL', 'REPORTED',
		       '巡查发现：地下车库电动车起火冒烟，需立即处置（' || g.name || '）',
		       timestamptz '2026-10-31 15:19Z' + g.ord * interval '1 minute',
		       timestamptz '2026-10-31 15:19Z' + g.ord * interval '1 minute' + interval '4 hours'
		  FROM g, n ORDER BY g.ord`},
	{"street.grid_event_status_log", "street.grid_event", reportedEventsLog},
}

// loadLive inserts the live records of LiveGrids (see liveStatements) and counts them.
func (l *loader) loadLive(ctx context.Context) error {
	last := map[string]int64{} // largest id of each parent table before its live rows
	for _, s := range liveStatements {
		arg := any(LiveGrids)
		if s.parent != "" {
			arg = last[s.parent]
		} else {
			schema, name, _ := strings.Cut(s.table, ".")
			var n int64
			if err := l.tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM `+pgx.Identifier{schema, name}.Sanitize()).Scan(&n); err != nil {
				return fmt.Errorf("seed: live records in %s: %w", s.table, err)
			}
			last[s.table] = n
		}
		tag, err := l.tx.Exec(ctx, s.sql, arg)
		if err != nil {
			return fmt.Errorf("seed: live records in %s: %w", s.table, err)
		}
		l.stats.Rows[s.table] += int(tag.RowsAffected())
	}
	return nil
}
