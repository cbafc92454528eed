package seed

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"civiclink/db/dbtest"
	"civiclink/internal/pii"
)

// testScale is the scale the tests seed at.
const testScale = 0.02

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// newTestDB returns a pool on a fresh, migrated, empty database (dropped when the test ends),
// cloned from a template migrated once per test server.
func newTestDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	template, err := dbtest.EnsureMigrated(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatalf("build migrated template: %v", err)
	}
	pool, err := pgxpool.New(ctx, dbtest.NewDatabase(t, template))
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func testKeys(t *testing.T) *pii.Keys {
	t.Helper()
	k, err := pii.ParseHexKeys(strings.Repeat("11", 32), strings.Repeat("22", 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	pool := newTestDB(t)
	keys := testKeys(t)

	var progress []string
	stats, err := Run(ctx, pool, Options{Scale: testScale, Keys: keys, Progress: func(table string, rows int) {
		progress = append(progress, table)
	}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("seeded %d rows in %d tables in %v (generate %v, load %v)", stats.Total(), len(stats.Tables), stats.Elapsed, stats.Generate, stats.Load)
	if len(progress) != len(stats.Tables) {
		t.Errorf("progress called %d times for %d tables", len(progress), len(stats.Tables))
	}

	t.Run("already seeded", func(t *testing.T) {
		if _, err := Run(ctx, pool, Options{Scale: testScale, Keys: keys}); !errors.Is(err, ErrAlreadySeeded) {
			t.Fatalf("second Run: got %v, want ErrAlreadySeeded", err)
		}
	})

	t.Run("every table has rows", func(t *testing.T) {
		var tables []string
		rows, err := pool.Query(ctx, `
			SELECT table_schema || '.' || table_name FROM information_schema.tables
			 WHERE table_schema IN ('street', 'police', 'welfare', 'mediation', 'risk') AND table_type = 'BASE TABLE'
			 ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range tables {
			if stats.Rows[table] == 0 {
				t.Errorf("table %s: no rows loaded", table)
			}
			var n int
			schema, name, _ := strings.Cut(table, ".")
			if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, name}.Sanitize()).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != stats.Rows[table] {
				t.Errorf("table %s: %d rows, Stats says %d", table, n, stats.Rows[table])
			}
		}
	})

	t.Run("live starting records in every live grid", func(t *testing.T) {
		for _, code := range LiveGrids {
			var onScene, classified, received, reported int
			err := pool.QueryRow(ctx, `
				SELECT (SELECT count(*) FROM police."case" c WHERE c.grid_id = g.id AND c.kind = 'NON_POLICE' AND c.status = 'ON_SCENE'),
				       (SELECT count(*) FROM police."case" c WHERE c.grid_id = g.id AND c.kind = 'NON_POLICE' AND c.status = 'NON_POLICE'),
				       (SELECT count(*) FROM mediation.dispute d WHERE d.grid_id = g.id AND d.status = 'RECEIVED'),
				       (SELECT count(*) FROM street.grid_event e WHERE e.grid_id = g.id AND e.status = 'REPORTED')
				  FROM street.grid g WHERE g.code = $1`, code).Scan(&onScene, &classified, &received, &reported)
			if err != nil {
				t.Fatalf("grid %s: %v", code, err)
			}
			if onScene < 2 || classified < 1 || received < 1 || reported < 1 {
				t.Errorf("grid %s: expected at least 2 NON_POLICE cases ON_SCENE, 1 in NON_POLICE, 1 RECEIVED dispute and 1 REPORTED event, got %d, %d, %d, %d",
					code, onScene, classified, received, reported)
			}
		}
	})
	t.Run("consistency", func(t *testing.T) { checkConsistency(t, pool) })
	t.Run("coverage", func(t *testing.T) { checkCoverage(t, pool) })
	t.Run("identity numbers", func(t *testing.T) { checkIdentityNumbers(t, pool, keys) })

	t.Run("sequences continue after the seeded ids", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO street.community (code, name) VALUES ('ZZ99', '测试社区') RETURNING id`).Scan(&id); err != nil {
			t.Fatalf("insert community: %v", err)
		}
		if want := int64(stats.Rows["street.community"] + 1); id != want {
			t.Errorf("new community id %d, want %d", id, want)
		}
	})
}

// checkConsistency runs SQL assertions that each count violations of a rule; every count must be 0.
func checkConsistency(t *testing.T, pool *pgxpool.Pool) {
	const (
		caseFinalSQL    = `('CLOSED','DECIDED','TERMINATED','TRANSFERRED','REFERRED')`
		disputeFinalSQL = `('DECLINED','WITHDRAWN','FAILED','PERFORMED','ARCHIVED','LITIGATION')`
		eventFinalSQL   = `('CLOSED','CANCELLED','CONVERTED')`
		agreedOrLater   = `('AGREED','PERFORMING','PERFORMED','ARCHIVED','DEFAULTED','LITIGATION')`
	)
	lastLog := func(entity, log string) string {
		return `SELECT count(*) FROM ` + entity + ` x
		  LEFT JOIN LATERAL (SELECT to_status FROM ` + log + ` l WHERE l.entity_id = x.id ORDER BY l.at DESC, l.id DESC LIMIT 1) l ON true
		 WHERE l.to_status IS DISTINCT FROM x.status`
	}
	chain := func(log string) string {
		return `SELECT count(*) FROM (SELECT from_status, lag(to_status) OVER (PARTITION BY entity_id ORDER BY at, id) AS prev,
		                                     at, lag(at) OVER (PARTITION BY entity_id ORDER BY at, id) AS prev_at, id,
		                                     lag(id) OVER (PARTITION BY entity_id ORDER BY at, id) AS prev_id FROM ` + log + `) x
		 WHERE from_status IS DISTINCT FROM prev OR (prev_id IS NOT NULL AND prev_id > id)`
	}
	sameGridEstate := func(table string) string {
		return `SELECT count(*) FROM ` + table + ` x JOIN street.estate e ON e.id = x.estate_id WHERE e.grid_id IS DISTINCT FROM x.grid_id`
	}
	checks := []struct{ name, sql string }{
		{"referred disputes point at NON_POLICE cases in REFERRED/CLOSED of the same grid", `
			SELECT count(*) FROM mediation.dispute d LEFT JOIN police."case" c ON c.id = d.referred_case_id
			 WHERE d.source = 'POLICE_REFERRAL'
			   AND (c.id IS NULL OR c.kind <> 'NON_POLICE' OR c.status NOT IN ('REFERRED', 'CLOSED') OR c.grid_id IS DISTINCT FROM d.grid_id)`},
		{"referred disputes are received shortly after the referral", `
			SELECT count(*) FROM mediation.dispute d JOIN police.case_status_log l ON l.entity_id = d.referred_case_id AND l.to_status = 'REFERRED'
			 WHERE d.received_at < l.at OR d.received_at > l.at + interval '1 day'`},
		{"referred cases went ON_SCENE → NON_POLICE → REFERRED", `
			SELECT count(*) FROM mediation.dispute d
			 WHERE d.referred_case_id IS NOT NULL AND NOT (
			   EXISTS (SELECT 1 FROM police.case_status_log l WHERE l.entity_id = d.referred_case_id AND l.from_status = 'ON_SCENE' AND l.to_status = 'NON_POLICE')
			   AND EXISTS (SELECT 1 FROM police.case_status_log l WHERE l.entity_id = d.referred_case_id AND l.from_status = 'NON_POLICE' AND l.to_status = 'REFERRED'))`},
		{"a case whose dispute exists is REFERRED or CLOSED", `
			SELECT count(*) FROM mediation.dispute d JOIN police."case" c ON c.id = d.referred_case_id WHERE c.status NOT IN ('REFERRED', 'CLOSED')`},
		{"grants go to officers of existing stations", `
			SELECT count(*) FROM welfare.benefit_grant g LEFT JOIN police.officer o ON o.id = g.officer_id
			  LEFT JOIN police.station s ON s.id = o.station_id WHERE s.id IS NULL`},
		{"grants are applied within their program's period", `
			SELECT count(*) FROM welfare.benefit_grant g JOIN welfare.program p ON p.id = g.program_id
			 WHERE g.applied_on NOT BETWEEN p.period_start AND p.period_end`},
		{"follow-ups only on agreements of disputes in AGREED-or-later states", `
			SELECT count(*) FROM mediation.follow_up f JOIN mediation.agreement a ON a.id = f.agreement_id
			  JOIN mediation.dispute d ON d.id = a.dispute_id
			 WHERE d.status NOT IN ` + agreedOrLater + ` OR f.visited_at < a.signed_at`},
		{"follow-ups report DONE for performed disputes and PARTIAL/NONE for defaulted ones", `
			SELECT count(*) FROM mediation.follow_up f JOIN mediation.agreement a ON a.id = f.agreement_id
			  JOIN mediation.dispute d ON d.id = a.dispute_id
			 WHERE (d.status IN ('PERFORMED', 'ARCHIVED') AND f.performance <> 'DONE')
			    OR (d.status IN ('DEFAULTED', 'LITIGATION') AND f.performance = 'DONE')`},
		{"agreements exactly for disputes that reached AGREED", `
			SELECT count(*) FROM mediation.dispute d LEFT JOIN mediation.agreement a ON a.dispute_id = d.id
			 WHERE (d.status IN ` + agreedOrLater + `) <> (a.id IS NOT NULL)`},
		{"sessions are held before the agreement is signed", `
			SELECT count(*) FROM mediation.session s JOIN mediation.agreement a ON a.dispute_id = s.dispute_id WHERE s.held_at > a.signed_at`},
		{"disputes that reached IN_MEDIATION have sessions", `
			SELECT count(*) FROM mediation.dispute d
			 WHERE EXISTS (SELECT 1 FROM mediation.dispute_status_log l WHERE l.entity_id = d.id AND l.to_status = 'IN_MEDIATION')
			   AND NOT EXISTS (SELECT 1 FROM mediation.session s WHERE s.dispute_id = d.id)`},
		{"dispute mediators belong to the dispute's committee", `
			SELECT count(*) FROM mediation.dispute_mediator dm JOIN mediation.mediator m ON m.id = dm.mediator_id
			  JOIN mediation.dispute d ON d.id = dm.dispute_id WHERE m.committee_id <> d.committee_id`},
		{"accepted disputes have a lead mediator", `
			SELECT count(*) FROM mediation.dispute d WHERE d.status NOT IN ('RECEIVED', 'DECLINED')
			   AND NOT EXISTS (SELECT 1 FROM mediation.dispute_mediator dm WHERE dm.dispute_id = d.id AND dm.role = 'LEAD')`},
		{"disputes have an applicant and a respondent", `
			SELECT count(*) FROM mediation.dispute d
			 WHERE (SELECT count(*) FROM mediation.dispute_party p WHERE p.dispute_id = d.id AND p.side = 'APPLICANT') <> 1
			    OR (SELECT count(*) FROM mediation.dispute_party p WHERE p.dispute_id = d.id AND p.side = 'RESPONDENT') <> 1`},
		{"grid-worker mediators are grid workers", `
			SELECT count(*) FROM mediation.mediator m
			 WHERE m.kind = 'GRID_WORKER' AND NOT EXISTS (SELECT 1 FROM street.grid_worker gw WHERE gw.person_id = m.person_id)`},
		{"police liaisons only in in-station rooms", `
			SELECT count(*) FROM mediation.mediator m JOIN mediation.committee c ON c.id = m.committee_id
			 WHERE m.kind = 'POLICE_LIAISON' AND c.level <> 'IN_STATION'`},
		{"disputes are in the grid of their committee's area", `
			SELECT count(*) FROM mediation.dispute d JOIN mediation.committee c ON c.id = d.committee_id JOIN street.grid g ON g.id = d.grid_id
			 WHERE (c.level = 'COMMUNITY' AND g.community_id <> c.community_id)
			    OR (c.level = 'IN_STATION' AND NOT EXISTS (SELECT 1 FROM police.station_community sc WHERE sc.station_id = c.station_id AND sc.community_id = g.community_id))`},
		{"closed_at set iff final status: cases", `SELECT count(*) FROM police."case" WHERE (closed_at IS NOT NULL) <> (status IN ` + caseFinalSQL + `)`},
		{"closed_at set iff final status: disputes", `SELECT count(*) FROM mediation.dispute WHERE (closed_at IS NOT NULL) <> (status IN ` + disputeFinalSQL + `)`},
		{"closed_at set iff final status: grid events", `SELECT count(*) FROM street.grid_event WHERE (closed_at IS NOT NULL) <> (status IN ` + eventFinalSQL + `)`},
		{"last case log status is the case status", lastLog(`police."case"`, "police.case_status_log")},
		{"last dispute log status is the dispute status", lastLog("mediation.dispute", "mediation.dispute_status_log")},
		{"last grid event log status is the event status", lastLog("street.grid_event", "street.grid_event_status_log")},
		{"last grant log status is the grant status", lastLog("welfare.benefit_grant", "welfare.benefit_grant_status_log")},
		{"last assessment log status is the assessment status", lastLog("risk.assessment", "risk.assessment_status_log")},
		{"last risk item log status is the item status", lastLog("risk.risk_item", "risk.risk_item_status_log")},
		{"case logs chain", chain("police.case_status_log")},
		{"dispute logs chain", chain("mediation.dispute_status_log")},
		{"grid event logs chain", chain("street.grid_event_status_log")},
		{"grant logs chain", chain("welfare.benefit_grant_status_log")},
		{"assessment logs chain", chain("risk.assessment_status_log")},
		{"risk item logs chain", chain("risk.risk_item_status_log")},
		{"logs start at reception", `
			SELECT count(*) FROM police."case" c JOIN police.case_status_log l ON l.entity_id = c.id AND l.from_status IS NULL
			 WHERE l.to_status <> 'RECEIVED' OR l.at <> c.received_at`},
		{"every grid has one PATCH officer from the station covering its community", `
			SELECT count(*) FROM street.grid g
			 WHERE (SELECT count(*) FROM police.officer_grid og JOIN police.officer o ON o.id = og.officer_id
			          JOIN police.station_community sc ON sc.station_id = o.station_id AND sc.community_id = g.community_id
			         WHERE og.grid_id = g.id AND og.role = 'PATCH') <> 1`},
		{"each community is covered by exactly one station", `
			SELECT count(*) FROM street.community c WHERE (SELECT count(*) FROM police.station_community sc WHERE sc.community_id = c.id) <> 1`},
		{"cases are handled by the station covering their grid, lead officer from that station", `
			SELECT count(*) FROM police."case" c JOIN street.grid g ON g.id = c.grid_id LEFT JOIN police.officer o ON o.id = c.lead_officer_id
			 WHERE NOT EXISTS (SELECT 1 FROM police.station_community sc WHERE sc.station_id = c.station_id AND sc.community_id = g.community_id)
			    OR o.station_id <> c.station_id OR (c.lead_officer_id IS NULL AND c.status <> 'RECEIVED')`},
		{"estates are in the grid: cases", sameGridEstate(`police."case"`)},
		{"estates are in the grid: disputes", sameGridEstate("mediation.dispute")},
		{"estates are in the grid: grid events", sameGridEstate("street.grid_event")},
		{"estates are in the grid: risk items", sameGridEstate("risk.risk_item")},
		{"case parties' is_minor matches their age at the time", `
			SELECT count(*) FROM police.case_party cp JOIN street.person p ON p.id = cp.person_id JOIN police."case" c ON c.id = cp.case_id
			 WHERE cp.is_minor <> coalesce(p.birth_date + interval '18 years' > (c.received_at AT TIME ZONE 'Asia/Shanghai')::date, false)
			    OR p.birth_date > (c.received_at AT TIME ZONE 'Asia/Shanghai')::date`},
		{"persons flagged MINOR are under 18 at the end of the period and vice versa", `
			SELECT count(*) FROM street.person WHERE birth_date IS NOT NULL AND id_number_hmac IS NOT NULL
			   AND ('MINOR' = ANY (flags)) <> (birth_date + interval '18 years' > '2026-10-31')`},
		{"GRID_REPORT disputes' events are CONVERTED, in the same grid and point back", `
			SELECT count(*) FROM mediation.dispute d LEFT JOIN street.grid_event e ON e.id = d.grid_event_id
			 WHERE d.source = 'GRID_REPORT'
			   AND (e.id IS NULL OR e.status <> 'CONVERTED' OR e.converted_dispute_id IS DISTINCT FROM d.id OR e.grid_id <> d.grid_id OR e.reported_at > d.received_at)`},
		{"events converted into a dispute are pointed back at", `
			SELECT count(*) FROM street.grid_event e LEFT JOIN mediation.dispute d ON d.id = e.converted_dispute_id
			 WHERE e.converted_dispute_id IS NOT NULL AND d.grid_event_id IS DISTINCT FROM e.id`},
		{"events converted into a case are in its grid and precede it", `
			SELECT count(*) FROM street.grid_event e JOIN police."case" c ON c.id = e.converted_case_id
			 WHERE c.grid_id <> e.grid_id OR e.reported_at > c.received_at`},
		// A redraw moves events to today's grid; the reporter was a worker of the grid of the time.
		{"event reporters are grid workers of the event's grid at the time", `
			SELECT count(*) FROM street.grid_event e JOIN street.grid_worker gw ON gw.id = e.reporter_id
			  JOIN street.grid_version v ON v.id = e.grid_version_id WHERE gw.grid_id <> v.grid_id`},
		{"risk links point at entities of the item's grid at the time", `
			SELECT count(*) FROM risk.risk_link k JOIN risk.risk_item i ON i.id = k.risk_item_id
			  LEFT JOIN police."case" c ON c.id = k.case_id LEFT JOIN mediation.dispute d ON d.id = k.dispute_id
			  LEFT JOIN street.grid_event e ON e.id = k.grid_event_id
			 WHERE (SELECT grid_id FROM street.grid_version WHERE id = coalesce(c.grid_version_id, d.grid_version_id, e.grid_version_id))
			    <> (SELECT grid_id FROM street.grid_version WHERE id = i.grid_version_id)`},
		{"risk items of assessments are identified after the assessment opened", `
			SELECT count(*) FROM risk.risk_item i JOIN risk.assessment a ON a.id = i.assessment_id WHERE i.identified_at < a.opened_at`},
		{"assessments have a level once graded and a decision once decided", `
			SELECT count(*) FROM risk.assessment a
			 WHERE (a.level IS NOT NULL) <> EXISTS (SELECT 1 FROM risk.assessment_status_log l WHERE l.entity_id = a.id AND l.to_status = 'GRADED')
			    OR (a.decision IS NOT NULL) <> EXISTS (SELECT 1 FROM risk.assessment_status_log l WHERE l.entity_id = a.id AND l.to_status = 'DECIDED')`},
		{"measures are done on or after identification", `
			SELECT count(*) FROM risk.measure m JOIN risk.risk_item i ON i.id = m.risk_item_id
			 WHERE m.done_on < (i.identified_at AT TIME ZONE 'Asia/Shanghai')::date OR m.done_on > '2026-10-31'`},
		{"each survey round has responses", `
			SELECT count(*) FROM welfare.survey s WHERE NOT EXISTS (SELECT 1 FROM welfare.survey_response r WHERE r.survey_id = s.id)`},
		{"each station has a survey round with fewer than 5 responses", `
			SELECT count(*) FROM police.station st
			 WHERE NOT EXISTS (SELECT 1 FROM welfare.survey s WHERE s.station_id = st.id
			                      AND (SELECT count(*) FROM welfare.survey_response r WHERE r.survey_id = s.id) < 5)`},
		{"each station has 20 quarterly survey rounds", `
			SELECT count(*) FROM police.station st WHERE (SELECT count(*) FROM welfare.survey s WHERE s.station_id = st.id) <> 20`},
		{"no data after the reference period", `
			SELECT (SELECT count(*) FROM police."case" WHERE received_at >= '2026-11-01 00:00+08' OR closed_at >= '2026-11-01 00:00+08')
			     + (SELECT count(*) FROM mediation.dispute WHERE received_at >= '2026-11-01 00:00+08' OR closed_at >= '2026-11-01 00:00+08')
			     + (SELECT count(*) FROM street.grid_event WHERE reported_at >= '2026-11-01 00:00+08')
			     + (SELECT count(*) FROM police.case_status_log WHERE at >= '2026-11-01 00:00+08' OR at < '2021-11-01 00:00+08')
			     + (SELECT count(*) FROM mediation.session WHERE held_at >= '2026-11-01 00:00+08')
			     + (SELECT count(*) FROM mediation.follow_up WHERE visited_at >= '2026-11-01 00:00+08')`},
		{"identity sequences are past max(id)", `
			SELECT count(*) FROM (
			  SELECT (xpath('/row/m/text()', query_to_xml(format('SELECT max(id) AS m FROM %I.%I', c.table_schema, c.table_name), false, true, '')))[1]::text::bigint AS max_id,
			         (SELECT s.last_value FROM pg_sequences s
			           WHERE format('%I.%I', s.schemaname, s.sequencename)::regclass = pg_get_serial_sequence(format('%I.%I', c.table_schema, c.table_name), 'id')::regclass) AS last_value
			    FROM information_schema.columns c
			   WHERE c.column_name = 'id' AND c.is_identity = 'YES' AND c.table_schema IN ('street', 'police', 'welfare', 'mediation', 'risk')) x
			 WHERE max_id IS NOT NULL AND (last_value IS NULL OR last_value < max_id)`},
	}
	ctx := context.Background()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			var n int
			if err := pool.QueryRow(ctx, c.sql).Scan(&n); err != nil {
				t.Fatalf("query: %v", err)
			}
			if n != 0 {
				t.Errorf("%d violations", n)
			}
		})
	}
}

// checkCoverage makes sure the demo data exercises the values the front ends filter on.
func checkCoverage(t *testing.T, pool *pgxpool.Pool) {
	want := []struct{ sql, values string }{
		{`SELECT DISTINCT kind FROM street.grid`, "BASIC DEDICATED"},
		{`SELECT DISTINCT gender FROM street.person`, "MALE FEMALE UNKNOWN"},
		{`SELECT DISTINCT unnest(flags) FROM street.person`, "ELDERLY_ALONE MINOR UNDER_COMMUNITY_CORRECTION"},
		{`SELECT DISTINCT post FROM street.grid_worker`, "LEADER FULL_TIME PART_TIME"},
		{`SELECT DISTINCT management_mode FROM street.estate`, "MARKET GUARANTEE SELF_MANAGED"},
		{`SELECT DISTINCT role FROM street.alliance_membership`, "MEMBER COUNCIL CHAIR"},
		{`SELECT DISTINCT role FROM police.officer_grid`, "PATCH EMBEDDED"},
		{`SELECT DISTINCT kind FROM police."case"`, "CALL ADMINISTRATIVE CRIMINAL NON_POLICE"},
		{`SELECT DISTINCT source FROM police."case"`, "HOTLINE_110 HOTLINE_12345 WALK_IN PATROL TRANSFER"},
		{`SELECT DISTINCT status FROM police."case"`, "CLOSED DECIDED TERMINATED TRANSFERRED REFERRED"},
		{`SELECT DISTINCT role FROM police.case_party`, "CALLER VICTIM SUSPECT WITNESS"},
		{`SELECT DISTINCT to_status FROM police.case_status_log`, "POLICE_MEDIATION AGREED FAILED NON_POLICE"},
		{`SELECT DISTINCT status FROM street.grid_event`, "CLOSED CANCELLED CONVERTED"},
		{`SELECT DISTINCT level FROM mediation.committee`, "STREET COMMUNITY IN_STATION"},
		{`SELECT DISTINCT kind FROM mediation.mediator`, "FULL_TIME PART_TIME COMMUNITY_NOTABLE LAWYER GRID_WORKER POLICE_LIAISON"},
		{`SELECT DISTINCT source FROM mediation.dispute`, "PARTY_APPLICATION COMMITTEE_INITIATIVE POLICE_REFERRAL COURT_ENTRUSTMENT GRID_REPORT"},
		{`SELECT DISTINCT difficulty FROM mediation.dispute`, "ORDINARY DIFFICULT"},
		{`SELECT DISTINCT status FROM mediation.dispute`, "DECLINED WITHDRAWN FAILED ARCHIVED"},
		{`SELECT DISTINCT to_status FROM mediation.dispute_status_log`, "PERFORMING DEFAULTED PERFORMED"},
		{`SELECT DISTINCT side FROM mediation.dispute_party`, "APPLICANT RESPONDENT THIRD_PARTY"},
		{`SELECT DISTINCT role FROM mediation.dispute_mediator`, "LEAD"},
		{`SELECT DISTINCT form FROM mediation.agreement`, "WRITTEN ORAL"},
		{`SELECT DISTINCT judicial_confirmation FROM mediation.agreement`, "NONE CONFIRMED"},
		{`SELECT DISTINCT performance FROM mediation.follow_up`, "DONE"},
		{`SELECT DISTINCT category FROM welfare.program`, "SCHOOL_PLACE CHILDCARE HEALTH_CHECK REST_LEAVE HOLIDAY_VISIT COMMENDATION COUNSELLING HOUSING"},
		{`SELECT DISTINCT status FROM welfare.benefit_grant`, "APPROVED DELIVERED REJECTED"},
		{`SELECT DISTINCT status FROM risk.risk_item`, "IDENTIFIED MITIGATING RESOLVED"},
		{`SELECT DISTINCT level FROM risk.risk_item`, "HIGH MEDIUM LOW"},
		{`SELECT DISTINCT status FROM risk.measure`, "PLANNED IN_PROGRESS DONE"},
		{`SELECT DISTINCT 'CASE' FROM risk.risk_link WHERE case_id IS NOT NULL UNION SELECT 'DISPUTE' FROM risk.risk_link WHERE dispute_id IS NOT NULL
		  UNION SELECT 'EVENT' FROM risk.risk_link WHERE grid_event_id IS NOT NULL`, "CASE DISPUTE EVENT"},
		{`SELECT DISTINCT 'OVERDUE' FROM risk.measure WHERE status <> 'DONE' AND due_on < '2026-10-31'`, "OVERDUE"},
		{`SELECT DISTINCT 'OPEN_HIGH' FROM risk.risk_item WHERE status IN ('IDENTIFIED', 'MITIGATING') AND level IN ('HIGH', 'MEDIUM')`, "OPEN_HIGH"},
		{`SELECT DISTINCT 'ESCALATION' FROM risk.risk_link k JOIN mediation.dispute d ON d.id = k.dispute_id WHERE d.status = 'FAILED'`, "ESCALATION"},
		{`SELECT DISTINCT 'OPEN' FROM police."case" WHERE closed_at IS NULL`, "OPEN"},
		{`SELECT DISTINCT 'OPEN' FROM mediation.dispute WHERE closed_at IS NULL`, "OPEN"},
	}
	ctx := context.Background()
	for _, c := range want {
		rows, err := pool.Query(ctx, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		for _, v := range strings.Fields(c.values) {
			if !contains(got, v) {
				t.Errorf("%s: value %s missing (got %v)", c.sql, v, got)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// checkIdentityNumbers decrypts identity numbers and checks them against the person rows.
func checkIdentityNumbers(t *testing.T, pool *pgxpool.Pool, keys *pii.Keys) {
	ctx := context.Background()
	rows, err := pool.Query(ctx, `
		SELECT id_number_hmac, id_number_cipher, gender, to_char(birth_date, 'YYYYMMDD'), coalesce(phone, '')
		  FROM street.person WHERE id_number_cipher IS NOT NULL ORDER BY id LIMIT 500`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var hmac, cipher []byte
		var gender, birth, phone string
		if err := rows.Scan(&hmac, &cipher, &gender, &birth, &phone); err != nil {
			t.Fatal(err)
		}
		no, err := keys.Decrypt(cipher)
		if err != nil {
			t.Fatalf("decrypt: %v", err)
		}
		if !pii.ValidIDNumber(no) {
			t.Errorf("identity number %s: bad check character", no)
		}
		if no[6:14] != birth {
			t.Errorf("identity number %s: birth date %s", no, birth)
		}
		if male := (no[16]-'0')%2 == 1; male != (gender == "MALE") {
			t.Errorf("identity number %s: gender %s", no, gender)
		}
		if string(keys.IDNumberHMAC(no)) != string(hmac) {
			t.Errorf("identity number %s: hmac mismatch", no)
		}
		if phone != "" && (len(phone) != 11 || phone[0] != '1' || phone[1] < '3') {
			t.Errorf("phone %s malformed", phone)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no identity numbers")
	}
	var bad int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM street.property_company WHERE unified_credit_code !~ '^91[0-9]{6}[0-9A-Z]{10}$'`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	codes, err := pool.Query(ctx, `SELECT unified_credit_code FROM street.property_company`)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(codes, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if !validCreditCode(c) {
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d malformed unified credit codes", bad)
	}
}

// checksumQueries select several tables, leaving out ciphertexts and load-time timestamps.
func checksumQueries() []string {
	return []string{
		`SELECT id, name, encode(id_number_hmac, 'hex'), gender, birth_date, phone, address, grid_id, flags FROM street.person`,
		`SELECT id, code, name, kind, community_id FROM street.grid`,
		`SELECT id, event_no, grid_id, estate_id, reporter_id, category, urgency, status, summary, reported_at, due_at, closed_at, converted_case_id, converted_dispute_id FROM street.grid_event`,
		`SELECT id, badge_no, name, rank, station_id, duty, phone, home_address FROM police.officer`,
		`SELECT id, case_no, station_id, kind, category, source, status, summary, occurred_at, received_at, closed_at, grid_id, estate_id, address, lead_officer_id, disposition FROM police."case"`,
		`SELECT id, case_id, person_id, role, is_minor FROM police.case_party`,
		`SELECT id, entity_id, from_status, to_status, at, actor, reason FROM police.case_status_log`,
		`SELECT id, dispute_no, committee_id, source, referred_case_id, grid_event_id, grid_id, estate_id, category, difficulty, amount, status, summary, received_at, closed_at, outcome FROM mediation.dispute`,
		`SELECT id, dispute_id, held_at, place, approaches, record FROM mediation.session`,
		`SELECT id, agreement_id, visited_at, visitor, performance, satisfaction, new_risk FROM mediation.follow_up`,
		`SELECT id, program_id, officer_id, status, amount, applied_on, granted_on FROM welfare.benefit_grant`,
		`SELECT id, survey_id, respondent_key, overall, belonging, workload, comment FROM welfare.survey_response`,
		`SELECT id, assessment_id, grid_id, estate_id, dimension, description, likelihood, impact, level, status, identified_at FROM risk.risk_item`,
		`SELECT id, risk_item_id, action, owner_unit, due_on, status, done_on FROM risk.measure`,
		`SELECT id, risk_item_id, case_id, dispute_id, grid_event_id FROM risk.risk_link`,
	}
}

// checksums fingerprints the tables of checksumQueries.

func checksums(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	var out []string
	for _, q := range checksumQueries() {
		var sum string
		if err := pool.QueryRow(context.Background(), `SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM (`+q+`) t`).Scan(&sum); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, sum)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	var sums [2][]string
	var wg sync.WaitGroup
	pools := [2]*pgxpool.Pool{newTestDB(t), newTestDB(t)}
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Run(ctx, pools[i], Options{Scale: testScale, Keys: testKeys(t)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Run %d: %v", i, err)
		}
		sums[i] = checksums(t, pools[i])
	}
	for i, q := range checksumQueries() {
		if sums[0][i] != sums[1][i] {
			t.Errorf("checksum differs between runs: %s", q)
		}
	}
}

func TestScaleSizes(t *testing.T) {
	for _, s := range []float64{MinScale, testScale, 0.5, 1, 10} {
		z := sizesFor(s)
		if z.communities < 2 || z.stations < 2 || z.gridsPerCommunity < 3 || z.stations > z.communities {
			t.Errorf("scale %v: sizes %+v", s, z)
		}
	}
	if z := sizesFor(1); z.communities != 12 || z.gridsPerCommunity != 10 || z.persons != 80000 || z.stations != 2 ||
		z.officers != 150 || z.cases != 60000 || z.disputes != 12000 {
		t.Errorf("scale 1 sizes %+v", z)
	}
	if z := sizesFor(10); z.stations != 20 || z.communities != 120 {
		t.Errorf("scale 10 sizes %+v", z)
	}
}

// TestRunIgnoresStatementTimeout: seeding's own transaction is not cut short by the pool's
// statement_timeout (the hub's 15 s default stopped `seed --scale 10` in the COPY of
// street.person). Here the pool allows 10 ms per statement, less than the larger COPYs take.
func TestRunIgnoresStatementTimeout(t *testing.T) {
	ctx := context.Background()
	url := newTestDB(t).Config().ConnString()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = "10"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `SELECT pg_sleep(0.05)`); err == nil {
		t.Fatal("expected the pool's 10 ms statement_timeout to cut a 50 ms statement")
	}
	if _, err := Run(ctx, pool, Options{Scale: testScale, Keys: testKeys(t)}); err != nil {
		t.Fatalf("expected seeding to run past the pool's statement_timeout, got %v", err)
	}
}
