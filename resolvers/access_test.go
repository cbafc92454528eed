package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"civiclink/internal/audit"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// scene is a set of callers, one per role, with scopes over the seeded data.
type scene struct {
	hub      *hubtest.Hub
	station  int64
	officer  int64
	grid     int64
	grids    []string
	mediator int64
	commitee int64
	callers  map[string]*hubtest.Hub
}

func newScene(t *testing.T) *scene {
	t.Helper()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	s := &scene{hub: hub}
	var stationCode, badge, gridCode string
	// A mediator assigned to a dispute of their committee that has sessions and parties.
	err := hub.Pool.QueryRow(ctx, `
		SELECT m.id, m.committee_id FROM mediation.dispute_mediator dm
		JOIN mediation.mediator m ON m.id = dm.mediator_id
		JOIN mediation.dispute d ON d.id = dm.dispute_id AND d.committee_id = m.committee_id
		WHERE EXISTS (SELECT 1 FROM mediation.session x WHERE x.dispute_id = d.id)
		ORDER BY m.id LIMIT 1`).Scan(&s.mediator, &s.commitee)
	if err != nil {
		t.Fatalf("pick a mediator: %v", err)
	}
	err = hub.Pool.QueryRow(ctx, `SELECT s.id, s.code, o.id, o.badge_no FROM police.officer o JOIN police.station s ON s.id = o.station_id
		ORDER BY o.id LIMIT 1`).Scan(&s.station, &stationCode, &s.officer, &badge)
	if err != nil {
		t.Fatalf("pick an officer: %v", err)
	}
	if err := hub.Pool.QueryRow(ctx, `SELECT g.id, g.code FROM street.grid g ORDER BY (SELECT count(*) FROM street.person p WHERE p.grid_id = g.id) DESC, g.id LIMIT 1`).Scan(&s.grid, &gridCode); err != nil {
		t.Fatalf("pick a grid: %v", err)
	}
	s.grids = []string{gridCode}
	s.callers = map[string]*hubtest.Hub{
		auth.StreetStaff:   hub.As(t, auth.StreetStaff, auth.ScopeClaims{}),
		auth.GridWorker:    hub.As(t, auth.GridWorker, auth.ScopeClaims{Grids: s.grids}),
		auth.PoliceOfficer: hub.As(t, auth.PoliceOfficer, auth.ScopeClaims{Station: stationCode, Officer: badge}),
		auth.Mediator:      hub.As(t, auth.Mediator, auth.ScopeClaims{Committees: []int64{s.commitee}, Mediator: s.mediator}),
		auth.Analyst:       hub.As(t, auth.Analyst, auth.ScopeClaims{}),
		auth.Auditor:       hub.As(t, auth.Auditor, auth.ScopeClaims{}),
		auth.Admin:         hub.As(t, auth.Admin, auth.ScopeClaims{}),
	}
	return s
}

func (s *scene) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.hub.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("count %q: %v", sql, err)
	}
	return n
}

// forbidden in TestScopedLists: the role is refused the list with FORBIDDEN (an analyst, who
// sees these records as aggregates only).
const forbidden = -1

// TestScopedLists checks, for every role, how many rows each scoped list shows against the
// rule of the role table computed in plain SQL.
func TestScopedLists(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	total := func(table string) int { return s.count(t, "SELECT count(*) FROM "+table) }
	want := map[string]map[string]int{
		"cases": {
			auth.StreetStaff: s.count(t, `SELECT count(*) FROM police."case" c WHERE EXISTS (SELECT 1 FROM mediation.dispute d WHERE d.referred_case_id = c.id)
				OR EXISTS (SELECT 1 FROM street.grid_event e WHERE e.converted_case_id = c.id)`),
			auth.GridWorker:    s.count(t, `SELECT count(DISTINCT converted_case_id) FROM street.grid_event WHERE grid_id = $1`, s.grid),
			auth.PoliceOfficer: s.count(t, `SELECT count(*) FROM police."case" WHERE station_id = $1`, s.station),
			auth.Mediator: s.count(t, `SELECT count(DISTINCT d.referred_case_id) FROM mediation.dispute d JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id
				WHERE dm.mediator_id = $1`, s.mediator),
			auth.Analyst: forbidden, auth.Auditor: 0, auth.Admin: total(`police."case"`),
		},
		"disputes": {
			auth.StreetStaff:   total("mediation.dispute"),
			auth.GridWorker:    s.count(t, `SELECT count(*) FROM mediation.dispute WHERE grid_id = $1`, s.grid),
			auth.PoliceOfficer: s.count(t, `SELECT count(*) FROM mediation.dispute d JOIN police."case" c ON c.id = d.referred_case_id WHERE c.station_id = $1`, s.station),
			auth.Mediator: s.count(t, `SELECT count(*) FROM mediation.dispute d WHERE d.committee_id = $1
				OR EXISTS (SELECT 1 FROM mediation.dispute_mediator dm WHERE dm.dispute_id = d.id AND dm.mediator_id = $2)`, s.commitee, s.mediator),
			auth.Analyst: forbidden, auth.Auditor: 0, auth.Admin: total("mediation.dispute"),
		},
		"persons": {
			auth.StreetStaff: total("street.person"), auth.PoliceOfficer: total("street.person"), auth.Admin: total("street.person"),
			auth.GridWorker: s.count(t, `SELECT count(*) FROM street.person WHERE grid_id = $1`, s.grid),
			auth.Mediator: s.count(t, `SELECT count(DISTINCT dp.person_id) FROM mediation.dispute_party dp JOIN mediation.dispute_mediator dm ON dm.dispute_id = dp.dispute_id
				WHERE dm.mediator_id = $1`, s.mediator),
			auth.Analyst: forbidden, auth.Auditor: 0,
		},
		"benefitGrants": {
			auth.StreetStaff: total("welfare.benefit_grant"), auth.Admin: total("welfare.benefit_grant"),
			auth.PoliceOfficer: s.count(t, `SELECT count(*) FROM welfare.benefit_grant WHERE officer_id = $1`, s.officer),
			auth.GridWorker:    0, auth.Mediator: 0, auth.Analyst: forbidden, auth.Auditor: 0,
		},
		"gridEvents": {
			auth.StreetStaff: total("street.grid_event"), auth.PoliceOfficer: total("street.grid_event"), auth.Admin: total("street.grid_event"),
			auth.GridWorker: s.count(t, `SELECT count(*) FROM street.grid_event WHERE grid_id = $1`, s.grid),
			auth.Mediator:   0, auth.Analyst: forbidden, auth.Auditor: 0,
		},
		"riskItems": {
			auth.StreetStaff: total("risk.risk_item"), auth.Admin: total("risk.risk_item"),
			auth.GridWorker: s.count(t, `SELECT count(*) FROM risk.risk_item WHERE grid_id = $1`, s.grid),
			auth.PoliceOfficer: s.count(t, `SELECT count(*) FROM risk.risk_item r WHERE EXISTS (SELECT 1 FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id
				WHERE l.risk_item_id = r.id AND c.station_id = $1) OR r.grid_id IN (SELECT grid_id FROM police.officer_grid WHERE officer_id = $2)`, s.station, s.officer),
			auth.Mediator: s.count(t, `SELECT count(*) FROM risk.risk_item r WHERE r.grid_id IN (SELECT grid_id FROM mediation.dispute WHERE committee_id = $1)`, s.commitee),
			auth.Analyst:  forbidden, auth.Auditor: 0,
		},
	}
	for list, byRole := range want {
		for role, n := range byRole {
			t.Run(list+"/"+role, func(t *testing.T) {
				res := s.callers[role].Query(t, fmt.Sprintf("{ l: %s(first: 1) { totalCount nodes { id } } }", list), nil)
				if n == forbidden {
					if len(res.Errors) == 0 || res.Errors[0].Code() != "FORBIDDEN" || !strings.Contains(res.Errors[0].Message, "Stats") {
						t.Errorf("%s asking %s: %s, want FORBIDDEN with a hint to the *Stats fields", role, list, res.Raw)
					}
					return
				}
				var d struct {
					L struct {
						TotalCount int
						Nodes      []struct{ ID string }
					}
				}
				res.MustData(t, &d)
				if d.L.TotalCount != n || (n > 0) != (len(d.L.Nodes) == 1) {
					t.Errorf("%s sees %d %s (first page %d), want %d", role, d.L.TotalCount, list, len(d.L.Nodes), n)
				}
			})
		}
	}
}

// TestSensitiveFields checks, for each role, with and without a stated purpose, whether a
// person's and a mediation session's personal fields come back in clear, masked, hidden or
// forbidden (an analyst, pointed to the aggregates), and that every clear read is in the
// access log.
func TestSensitiveFields(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ctx := context.Background()
	// An adult party to a case of the officer's station, in the grid workers' grid, who is
	// also a party to a dispute the mediator works on, when the data allows; otherwise the
	// checks below name the roles that cannot see them.
	// The purposes name the case and the dispute it was referred to, both of which the
	// person is a party to.
	var person int64
	var name, phone, caseNo, disputeNo string
	err := s.hub.Pool.QueryRow(ctx, `SELECT p.id, p.name, p.phone, c.case_no, d.dispute_no FROM street.person p
		JOIN police.case_party cp ON cp.person_id = p.id JOIN police."case" c ON c.id = cp.case_id
		JOIN mediation.dispute d ON d.referred_case_id = c.id JOIN mediation.dispute_party dp ON dp.dispute_id = d.id AND dp.person_id = p.id
		WHERE c.station_id = $1 AND p.phone IS NOT NULL AND NOT ('MINOR' = ANY (p.flags)) AND p.id_number_cipher IS NOT NULL
		  AND NOT cp.is_minor AND (p.birth_date IS NULL OR p.birth_date < now() - interval '19 years')
		ORDER BY p.id LIMIT 1`, s.station).Scan(&person, &name, &phone, &caseNo, &disputeNo)
	if err != nil {
		t.Fatalf("pick a person: %v", err)
	}
	pid := globalid.Encode("Person", person)
	q := `query Look($id: ID!) { node(id: $id) { ... on Person { name phone idNumber } } }`
	tests := []struct {
		role    string
		purpose string
		want    string // clear, masked, hidden or forbidden
	}{
		{auth.StreetStaff, "", "masked"},
		{auth.StreetStaff, "dispute " + disputeNo, "clear"},
		{auth.PoliceOfficer, "", "masked"},
		{auth.PoliceOfficer, "case " + caseNo, "clear"},
		{auth.Admin, "", "masked"},
		{auth.Admin, "case " + caseNo, "clear"},
		{auth.Analyst, "", "forbidden"},
		{auth.Auditor, "", "hidden"},
	}
	for _, tt := range tests {
		t.Run(tt.role+"/"+map[bool]string{true: "purpose", false: "no purpose"}[tt.purpose != ""], func(t *testing.T) {
			res := s.callers[tt.role].WithPurpose(tt.purpose).Query(t, q, map[string]any{"id": pid})
			var d struct {
				Node *struct{ Name, Phone, IDNumber string }
			}
			if tt.want == "forbidden" {
				if len(res.Errors) == 0 || res.Errors[0].Code() != "FORBIDDEN" || !strings.Contains(res.Errors[0].Message, "crossAgencyStats") {
					t.Fatalf("%s: want FORBIDDEN pointing to crossAgencyStats, got %s", tt.role, res.Raw)
				}
				return
			}
			if tt.want == "hidden" {
				if len(res.Errors) == 0 || res.Errors[0].Code() != "NOT_FOUND" {
					t.Fatalf("%s: want the person hidden (NOT_FOUND), got %s", tt.role, res.Raw)
				}
				return
			}
			res.MustData(t, &d)
			if d.Node == nil {
				t.Fatalf("%s: person missing", tt.role)
			}
			clear := d.Node.Name == name && d.Node.Phone == phone && !strings.Contains(d.Node.IDNumber, "*")
			masked := d.Node.Name != name && strings.Contains(d.Node.Phone, "****") && strings.Contains(d.Node.IDNumber, "***********") &&
				[]rune(d.Node.Name)[0] == []rune(name)[0]
			if (tt.want == "clear") != clear || (tt.want == "masked") != masked {
				t.Errorf("%s with purpose %q got %+v, want %s", tt.role, tt.purpose, *d.Node, tt.want)
			}
		})
	}
	// A grid worker never sees persons in clear, even with a purpose.
	var gridPerson int64
	var gridDispute string
	if err := s.hub.Pool.QueryRow(ctx, `SELECT p.id, d.dispute_no FROM street.person p JOIN mediation.dispute_party dp ON dp.person_id = p.id
		JOIN mediation.dispute d ON d.id = dp.dispute_id WHERE p.grid_id = $1 AND d.grid_id = $1 AND p.phone IS NOT NULL ORDER BY p.id LIMIT 1`, s.grid).Scan(&gridPerson, &gridDispute); err != nil {
		t.Fatal(err)
	}
	res := s.callers[auth.GridWorker].WithPurpose("dispute "+gridDispute).Query(t, q, map[string]any{"id": globalid.Encode("Person", gridPerson)})
	var gw struct{ Node struct{ Phone string } }
	res.MustData(t, &gw)
	if !strings.Contains(gw.Node.Phone, "****") {
		t.Errorf("grid worker got phone %q, want it masked", gw.Node.Phone)
	}

	// Session records: mediators with a purpose read them; street staff see no sessions.
	var dispute int64
	var sessionDispute string
	if err := s.hub.Pool.QueryRow(ctx, `SELECT d.id, d.dispute_no FROM mediation.dispute d JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id
		WHERE dm.mediator_id = $1 AND EXISTS (SELECT 1 FROM mediation.session x WHERE x.dispute_id = d.id AND x.record IS NOT NULL) ORDER BY d.id LIMIT 1`, s.mediator).Scan(&dispute, &sessionDispute); err != nil {
		t.Fatal(err)
	}
	sq := `query($id: ID!) { node(id: $id) { ... on Dispute { sessions { record } } } }`
	did := globalid.Encode("Dispute", dispute)
	var med struct {
		Node struct{ Sessions []struct{ Record string } }
	}
	s.callers[auth.Mediator].WithPurpose("dispute "+sessionDispute).Query(t, sq, map[string]any{"id": did}).MustData(t, &med)
	if len(med.Node.Sessions) == 0 || med.Node.Sessions[0].Record == "[redacted]" {
		t.Errorf("mediator with purpose got sessions %+v, want records in clear", med.Node.Sessions)
	}
	var staff struct {
		Node struct{ Sessions []struct{ Record string } }
	}
	s.callers[auth.StreetStaff].WithPurpose("dispute "+sessionDispute).Query(t, sq, map[string]any{"id": did}).MustData(t, &staff)
	if len(staff.Node.Sessions) != 0 {
		t.Errorf("street staff got %d session records, want none", len(staff.Node.Sessions))
	}

	// Every clear read above is in the access log, readable by the auditor alone.
	logQ := `query($id: ID) { accessLog(first: 50, filter: { entityId: $id }) { totalCount nodes { subject role purpose operation documentHash entityIds } } }`
	var log struct {
		AccessLog struct {
			TotalCount int
			Nodes      []struct {
				Subject, Role, Purpose, Operation, DocumentHash string
				EntityIDs                                       []string `json:"entityIds"`
			}
		}
	}
	s.callers[auth.Auditor].Query(t, logQ, map[string]any{"id": pid}).MustData(t, &log)
	if log.AccessLog.TotalCount != 3 {
		t.Errorf("access log has %d reads of the person, want 3 (street staff, police, admin with a purpose)", log.AccessLog.TotalCount)
	}
	for _, e := range log.AccessLog.Nodes {
		if e.Purpose == "" || e.Operation != "Look" || e.DocumentHash != audit.DocumentHash(q) {
			t.Errorf("access log row %+v lacks the purpose, operation or document hash", e)
		}
	}
	var adminView struct{ AccessLog struct{ TotalCount int } }
	s.callers[auth.Admin].Query(t, logQ, map[string]any{"id": pid}).MustData(t, &adminView)
	if adminView.AccessLog.TotalCount != 0 {
		t.Errorf("an admin sees %d access-log rows, want none (auditors only)", adminView.AccessLog.TotalCount)
	}
	rep, err := s.hub.Audit.Verify(ctx, nil)
	if err != nil || rep.BrokenAt != nil || rep.Rows < 4 {
		t.Fatalf("verify the intact chain: %+v %v, want it intact with at least 4 rows", rep, err)
	}
}

// TestRowSecurityBehindGo runs SQL straight on a serving connection, as a bug in Go that
// skipped the access rules would: PostgreSQL still shows only the caller's rows, and the
// hub's role cannot rewrite the access log.
func TestRowSecurityBehindGo(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ctx := context.Background()
	pool, err := dbpool.Open(ctx, dbpool.Options{URL: s.hub.URL, MaxConns: 2, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	officer := auth.Principal{Subject: "o", Role: auth.PoliceOfficer, Scope: auth.Scope{StationID: &s.station, OfficerID: &s.officer}}
	tests := []struct {
		name string
		ctx  context.Context
		sql  string
		want int
	}{
		{"officer sees own station's cases", auth.WithPrincipal(ctx, officer), `SELECT count(*) FROM police."case"`, s.count(t, `SELECT count(*) FROM police."case" WHERE station_id = $1`, s.station)},
		{"officer sees own grants", auth.WithPrincipal(ctx, officer), `SELECT count(*) FROM welfare.benefit_grant`, s.count(t, `SELECT count(*) FROM welfare.benefit_grant WHERE officer_id = $1`, s.officer)},
		{"analyst sees no person", auth.WithPrincipal(ctx, auth.Principal{Subject: "a", Role: auth.Analyst}), `SELECT count(*) FROM street.person`, 0},
		{"no principal sees no case", ctx, `SELECT count(*) FROM police."case"`, 0},
		{"no one reads survey answers directly", auth.WithPrincipal(ctx, auth.Principal{Subject: "s", Role: auth.StreetStaff}), `SELECT count(*) FROM welfare.survey_response`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n int
			if err := pool.QueryRow(tt.ctx, tt.sql).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Errorf("%s: %d rows, want %d", tt.sql, n, tt.want)
			}
		})
	}
	auditor := auth.WithPrincipal(ctx, auth.Principal{Subject: "u", Role: auth.Auditor})
	for _, sql := range []string{"UPDATE hub.access_log SET subject = 'x'", "DELETE FROM hub.access_log"} {
		if _, err := pool.Exec(auditor, sql); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s as the hub's role: %v, want permission denied", sql, err)
		}
	}
}

// TestForbiddenMutations refuses mutations outside a role or its scope.
func TestForbiddenMutations(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ctx := context.Background()
	var otherStation, otherGrid int64
	_ = s.hub.Pool.QueryRow(ctx, "SELECT id FROM police.station WHERE id <> $1 LIMIT 1", s.station).Scan(&otherStation)
	_ = s.hub.Pool.QueryRow(ctx, "SELECT id FROM street.grid WHERE id <> $1 LIMIT 1", s.grid).Scan(&otherGrid)
	var foreignCase int64
	_ = s.hub.Pool.QueryRow(ctx, `SELECT id FROM police."case" WHERE station_id = $1 LIMIT 1`, otherStation).Scan(&foreignCase)
	tests := []struct {
		name, role, query string
		vars              map[string]any
	}{
		{"analysts change nothing", auth.Analyst, `mutation($s: ID!) { registerCase(input: {stationId: $s, kind: CALL, category: THEFT, source: WALK_IN, summary: "x"}) { case { id } } }`,
			map[string]any{"s": globalid.Encode("Station", s.station)}},
		{"officers register at their own station", auth.PoliceOfficer, `mutation($s: ID!) { registerCase(input: {stationId: $s, kind: CALL, category: THEFT, source: WALK_IN, summary: "x"}) { case { id } } }`,
			map[string]any{"s": globalid.Encode("Station", otherStation)}},
		{"officers move their own station's cases", auth.PoliceOfficer, `mutation($c: ID!) { advanceCase(input: {caseId: $c, version: 1, to: DISPATCHED}) { case { id } } }`,
			map[string]any{"c": globalid.Encode("Case", foreignCase)}},
		{"grid workers report in their grids", auth.GridWorker, `mutation($g: ID!) { reportGridEvent(input: {gridId: $g, category: OTHER, urgency: LOW, summary: "x"}) { gridEvent { id } } }`,
			map[string]any{"g": globalid.Encode("Grid", otherGrid)}},
		{"street staff do not police", auth.StreetStaff, `mutation($s: ID!) { registerCase(input: {stationId: $s, kind: CALL, category: THEFT, source: WALK_IN, summary: "x"}) { case { id } } }`,
			map[string]any{"s": globalid.Encode("Station", s.station)}},
	}
	before := s.count(t, `SELECT count(*) FROM police."case"`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.callers[tt.role].Query(t, tt.query, tt.vars)
			if len(res.Errors) == 0 || res.Errors[0].Code() != "FORBIDDEN" {
				t.Errorf("%s: want FORBIDDEN, got %s", tt.role, res.Raw)
			}
		})
	}
	if after := s.count(t, `SELECT count(*) FROM police."case"`); after != before {
		t.Errorf("%d cases written by refused mutations, want none", after-before)
	}
	// Without credentials nothing is served at all.
	anon := *s.hub
	anon.Token = ""
	res := anon.Query(t, "{ cases(first: 1) { totalCount } }", nil)
	if res.Status != 401 || len(res.Errors) == 0 || res.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Errorf("no credentials: status %d %s, want 401 UNAUTHENTICATED", res.Status, res.Raw)
	}
	_ = json.Valid
}

// TestAPIKeys creates a scoped key, uses it, lists it and revokes it.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ctx := context.Background()
	var stationCode string
	_ = s.hub.Pool.QueryRow(ctx, "SELECT code FROM police.station WHERE id = $1", s.station).Scan(&stationCode)
	key, err := auth.CreateAPIKey(ctx, s.hub.Pool, "bi-tool", auth.PoliceOfficer, auth.ScopeClaims{Station: stationCode})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CreateAPIKey(ctx, s.hub.Pool, "bad", auth.PoliceOfficer, auth.ScopeClaims{Station: "NOPE"}); err == nil {
		t.Errorf("a key scoped to a missing station was created, want refused")
	}
	var stored []byte
	_ = s.hub.Pool.QueryRow(ctx, "SELECT key_hash FROM hub.api_key WHERE name = 'bi-tool'").Scan(&stored)
	if strings.Contains(string(stored), key) || len(stored) != 32 {
		t.Errorf("stored key hash %x: want a 32-byte hash, never the key", stored)
	}
	anon := *s.hub
	anon.Token = ""
	query := func(header, value string) *hubtest.Response {
		req, _ := http.NewRequest(http.MethodPost, s.hub.Server.URL+"/graphql", strings.NewReader(`{"query":"{ cases(first: 1) { totalCount } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(header, value)
		return anon.Do(t, req)
	}
	want := s.count(t, `SELECT count(*) FROM police."case" WHERE station_id = $1`, s.station)
	for _, h := range [][2]string{{"X-API-Key", key}, {"Authorization", "ApiKey " + key}} {
		var d struct{ Cases struct{ TotalCount int } }
		query(h[0], h[1]).MustData(t, &d)
		if d.Cases.TotalCount != want {
			t.Errorf("with %s the key sees %d cases, want its station's %d", h[0], d.Cases.TotalCount, want)
		}
	}
	keys, err := auth.ListAPIKeys(ctx, s.hub.Pool)
	if err != nil || len(keys) != 1 || keys[0].Name != "bi-tool" || keys[0].RevokedAt != nil {
		t.Errorf("list = %+v, %v; want the one active key", keys, err)
	}
	if err := auth.RevokeAPIKey(ctx, s.hub.Pool, "bi-tool"); err != nil {
		t.Fatal(err)
	}
	if res := query("X-API-Key", key); res.Status != http.StatusUnauthorized {
		t.Errorf("revoked key: status %d, want 401", res.Status)
	}
	if res := query("X-API-Key", "clk_guessed"); res.Status != http.StatusUnauthorized {
		t.Errorf("unknown key: status %d, want 401", res.Status)
	}
}

// TestOtherSensitiveFields covers the remaining classes of personal data: officers'
// contacts, incident addresses and agreement terms, for each role that can reach them.
func TestOtherSensitiveFields(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ctx := context.Background()
	var officerPhone, caseAddress, terms, caseNo, ledCase, agreementDispute string
	var caseID, agreementID, officer int64
	// An officer of the caller's station leading a case: its purpose unlocks the officer's contacts.
	if err := s.hub.Pool.QueryRow(ctx, `SELECT o.id, o.phone, c.case_no FROM police."case" c JOIN police.officer o ON o.id = c.lead_officer_id
		WHERE o.station_id = $1 AND c.station_id = $1 AND o.phone IS NOT NULL ORDER BY c.id LIMIT 1`, s.station).Scan(&officer, &officerPhone, &ledCase); err != nil {
		t.Fatal(err)
	}
	if err := s.hub.Pool.QueryRow(ctx, `SELECT c.id, c.case_no, c.address FROM police."case" c WHERE c.station_id = $1 AND c.address IS NOT NULL
		AND EXISTS (SELECT 1 FROM mediation.dispute d WHERE d.referred_case_id = c.id) ORDER BY c.id LIMIT 1`, s.station).Scan(&caseID, &caseNo, &caseAddress); err != nil {
		t.Fatal(err)
	}
	if err := s.hub.Pool.QueryRow(ctx, `SELECT a.id, a.terms, d.dispute_no FROM mediation.agreement a JOIN mediation.dispute d ON d.id = a.dispute_id
		WHERE d.committee_id = $1 ORDER BY a.id LIMIT 1`, s.commitee).Scan(&agreementID, &terms, &agreementDispute); err != nil {
		t.Fatal(err)
	}
	officerQ := fmt.Sprintf(`{ node(id: %q) { ... on Officer { v: phone } } }`, globalid.Encode("Officer", officer))
	caseQ := fmt.Sprintf(`{ node(id: %q) { ... on Case { v: address } } }`, globalid.Encode("Case", caseID))
	termsQ := fmt.Sprintf(`{ node(id: %q) { ... on Agreement { v: terms } } }`, globalid.Encode("Agreement", agreementID))
	tests := []struct {
		name, role, purpose, query, clear string
		want                              string // clear or masked
	}{
		{"officer phone, own station, purpose", auth.PoliceOfficer, "case " + ledCase, officerQ, officerPhone, "clear"},
		{"officer phone, own station, another case's purpose", auth.PoliceOfficer, "case " + caseNo, officerQ, officerPhone, map[bool]string{true: "clear", false: "masked"}[ledCase == caseNo]},
		{"officer phone, own station, no purpose", auth.PoliceOfficer, "", officerQ, officerPhone, "masked"},
		{"officer phone, street staff", auth.StreetStaff, "dispute " + agreementDispute, officerQ, officerPhone, "masked"},
		{"officer phone, admin, purpose", auth.Admin, "case " + ledCase, officerQ, officerPhone, "clear"},
		{"case address, police, purpose", auth.PoliceOfficer, "case " + caseNo, caseQ, caseAddress, "clear"},
		{"case address, street staff", auth.StreetStaff, "case " + caseNo, caseQ, caseAddress, "masked"},
		{"agreement terms, mediator, purpose", auth.Mediator, "dispute " + agreementDispute, termsQ, terms, "clear"},
		{"agreement terms, mediator, no purpose", auth.Mediator, "", termsQ, terms, "masked"},
		{"agreement terms, street staff, purpose", auth.StreetStaff, "dispute " + agreementDispute, termsQ, terms, "clear"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d struct{ Node *struct{ V string } }
			s.callers[tt.role].WithPurpose(tt.purpose).Query(t, tt.query, nil).MustData(t, &d)
			if d.Node == nil {
				t.Fatalf("%s cannot see the row, want it %s", tt.role, tt.want)
			}
			if got := d.Node.V == tt.clear; got != (tt.want == "clear") {
				t.Errorf("got %q, want %s (clear value %q)", d.Node.V, tt.want, tt.clear)
			}
		})
	}
}
