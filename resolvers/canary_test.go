package resolvers_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"

	"github.com/coder/websocket/wsjson"
)

// Canary values: seeded into one person, one officer and the free texts that concern them,
// then looked for in the raw bytes of every response.
const (
	canaryName    = "金丝雀甲"
	canaryID      = "110101198001017771"
	canaryPhone   = "13900007771"
	canaryAddress = "金丝雀区金丝雀路七七七号"
	canaryOfficer = "13900007772"
	canaryHome    = "金丝雀区警员公寓七七七号"
)

var canaries = []string{canaryName, canaryID, canaryPhone, canaryAddress, canaryOfficer, canaryHome}

// TestCanaryLeak seeds canary values and scans the raw HTTP, WebSocket and export bodies of
// every role, across fields, cursors, free text, purposes and errors, for any of them. No
// role without the record's purpose may see one; a purpose naming the record shows them to
// a role that may read them (the control that the scan can see a leak).
func TestCanaryLeak(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ctx := context.Background()
	// The canary person is a party to a dispute referred from a case of the scene's station,
	// in the grid workers' grid; the officer leads that case.
	var person, dispute, kase, officer, session, agreement int64
	var disputeNo, caseNo string
	err := s.hub.Pool.QueryRow(ctx, `SELECT dp.person_id, d.id, d.dispute_no, c.id, c.case_no FROM mediation.dispute d
		JOIN police."case" c ON c.id = d.referred_case_id JOIN mediation.dispute_party dp ON dp.dispute_id = d.id
		WHERE c.station_id = $1 ORDER BY d.id LIMIT 1`, s.station).Scan(&person, &dispute, &disputeNo, &kase, &caseNo)
	if err != nil {
		t.Fatalf("pick a referred dispute: %v", err)
	}
	_ = s.hub.Pool.QueryRow(ctx, `SELECT coalesce((SELECT id FROM mediation.session WHERE dispute_id = $1 LIMIT 1), 0),
		coalesce((SELECT id FROM mediation.agreement WHERE dispute_id = $1), 0)`, dispute).Scan(&session, &agreement)
	if err := s.hub.Pool.QueryRow(ctx, `SELECT id FROM police.officer WHERE station_id = $1 ORDER BY id LIMIT 1`, s.station).Scan(&officer); err != nil {
		t.Fatal(err)
	}
	text := "据" + canaryName + "（身份证" + canaryID + "，电话" + canaryPhone + "）称，" + canaryAddress + "有纠纷"
	for _, sql := range []struct {
		q    string
		args []any
	}{
		{`UPDATE street.person SET name = $2, phone = $3, address = $4, grid_id = $5, flags = '{}', birth_date = '1980-01-01',
			id_number_cipher = $6, id_number_hmac = $7 WHERE id = $1`,
			[]any{person, canaryName, canaryPhone, canaryAddress, s.grid, s.hub.Keys.Encrypt(canaryID), s.hub.Keys.IDNumberHMAC(canaryID)}},
		{`UPDATE police.case_party SET is_minor = false WHERE person_id = $1`, []any{person}},
		{`INSERT INTO police.case_party (case_id, person_id, role) VALUES ($1, $2, 'VICTIM') ON CONFLICT DO NOTHING`, []any{kase, person}},
		{`UPDATE mediation.dispute SET summary = $2, outcome = $2, grid_id = $3 WHERE id = $1`, []any{dispute, text, s.grid}},
		{`UPDATE police."case" SET summary = $2 || $3, address = $3, disposition = $2, lead_officer_id = $4 WHERE id = $1`, []any{kase, text, canaryAddress, officer}},
		{`UPDATE police.officer SET phone = $2, home_address = $3 WHERE id = $1`, []any{officer, canaryOfficer, canaryHome}},
		{`UPDATE mediation.session SET record = $2 WHERE id = $1`, []any{session, text}},
		{`UPDATE mediation.agreement SET terms = $2 WHERE id = $1`, []any{agreement, text}},
		{`INSERT INTO risk.risk_item (grid_id, dimension, description, likelihood, impact, status, identified_at)
			VALUES ($1, 'PUBLIC_ORDER', $2, 3, 3, 'IDENTIFIED', now()) RETURNING id`, []any{s.grid, text}},
	} {
		if _, err := s.hub.Pool.Exec(ctx, sql.q, sql.args...); err != nil {
			t.Fatalf("seed canaries (%s): %v", sql.q, err)
		}
	}
	if _, err := s.hub.Pool.Exec(ctx, `INSERT INTO risk.risk_link (risk_item_id, dispute_id) SELECT max(id), $1 FROM risk.risk_item`, dispute); err != nil {
		t.Fatal(err)
	}

	pid, did, cid := globalid.Encode("Person", person), globalid.Encode("Dispute", dispute), globalid.Encode("Case", kase)
	oid := globalid.Encode("Officer", officer)
	queries := []struct {
		name, query string
		vars        map[string]any
	}{
		{"person fields", `query($id: ID!) { node(id: $id) { ... on Person { name idNumber phone address birthDate } } }`, map[string]any{"id": pid}},
		{"persons with cursors", `{ persons(first: 500, orderBy: [{field: CREATED_AT}]) { edges { cursor node { name phone address idNumber } } pageInfo { endCursor } } }`, nil},
		{"persons ordered by name", `{ persons(first: 500, orderBy: [{field: NAME}]) { edges { cursor node { name } } } }`, nil},
		{"disputes, parties and free text", `{ disputes(first: 500) { edges { cursor node { summary outcome parties { person { name phone idNumber address } }
			mediators { mediator { person { name } } } sessions { record } agreement { terms } riskItems { description } } } } }`, nil},
		{"the dispute", `query($id: ID!) { node(id: $id) { ... on Dispute { summary outcome parties { person { name phone } } sessions { record } agreement { terms } } } }`, map[string]any{"id": did}},
		{"cases and free text", `{ cases(first: 500) { edges { cursor node { summary address disposition leadOfficer { phone homeAddress } parties { person { name idNumber phone address } } } } } }`, nil},
		{"the case", `query($id: ID!) { node(id: $id) { ... on Case { summary address disposition parties { person { name } } } } }`, map[string]any{"id": cid}},
		{"the officer", `query($id: ID!) { node(id: $id) { ... on Officer { phone homeAddress } } }`, map[string]any{"id": oid}},
		{"risk items", `{ riskItems(first: 500) { edges { cursor node { description links { ... on Dispute { summary } } } } } }`, nil},
		{"lookup by number", `query($n: String!) { dispute(disputeNo: $n) { summary parties { person { name } } } }`, map[string]any{"n": disputeNo}},
		{"errors echo nothing", `query($id: ID!) { node(id: $id) { ... on Person { name } } }`, map[string]any{"id": canaryName}},
		{"bad enum echo", `{ persons(first: 1, filter: { gender: [` + "X" + `] }) { nodes { name } } }`, nil},
	}
	purposes := []string{"", "dispute T1999-00001", canaryName, "case " + canaryPhone}
	scan := func(t *testing.T, where string, body []byte) {
		t.Helper()
		for _, c := range canaries {
			for _, form := range [][]byte{[]byte(c), []byte(base64.RawURLEncoding.EncodeToString([]byte(c))), []byte(base64.StdEncoding.EncodeToString([]byte(c)))} {
				if bytes.Contains(body, form) {
					t.Errorf("%s: the response holds the canary %q: %.300s", where, c, body)
				}
			}
		}
	}
	for role, caller := range s.callers {
		for _, purpose := range purposes {
			for _, q := range queries {
				t.Run(role+"/"+q.name+"/purpose="+purpose, func(t *testing.T) {
					res := caller.WithPurpose(purpose).Query(t, q.query, q.vars)
					scan(t, "HTTP", res.Raw)
					if res.Status >= 500 {
						t.Errorf("status %d: %s", res.Status, res.Raw)
					}
				})
			}
			t.Run(role+"/export/purpose="+purpose, func(t *testing.T) {
				for _, format := range []string{"csv", "ndjson"} {
					scan(t, "export "+format, export(t, caller.WithPurpose(purpose), queries[3].query, format))
				}
			})
		}
	}

	// WebSocket: a street-staff subscriber sees a new dispute about the canary person.
	sub := dialSubscription(t, s.callers[auth.StreetStaff], `subscription { workflowEvents { kind subject { ... on Dispute { summary parties { person { name phone idNumber address } } } } } }`, nil)
	// Subscriptions register asynchronously after the subscribe message.
	waitFor(t, func() bool { return s.hub.Events.Subscribers() >= 1 })
	var committee string
	_ = s.hub.Pool.QueryRow(ctx, `SELECT committee_id FROM mediation.dispute WHERE id = $1`, dispute).Scan(&committee)
	res := s.callers[auth.StreetStaff].Query(t, `mutation($in: RegisterDisputeInput!) { registerDispute(input: $in) { dispute { id version summary } } }`, map[string]any{"in": map[string]any{
		"committeeId": globalid.Encode("Committee", mustInt(committee)), "source": "PARTY_APPLICATION", "category": "NEIGHBOUR", "summary": text,
		"parties": []any{map[string]any{"personId": pid, "side": "APPLICANT"}},
	}})
	scan(t, "mutation payload", res.Raw)
	if len(res.Errors) > 0 {
		t.Fatalf("registerDispute: %s", res.Raw)
	}
	// Accepting it announces DISPUTE_STATUS_CHANGED with the dispute as subject.
	var reg struct {
		RegisterDispute struct {
			Dispute struct {
				ID      string
				Version int
			}
		}
	}
	res.MustData(t, &reg)
	adv := s.callers[auth.StreetStaff].Query(t, `mutation($in: AdvanceDisputeInput!) { advanceDispute(input: $in) { dispute { summary } } }`, map[string]any{"in": map[string]any{
		"disputeId": reg.RegisterDispute.Dispute.ID, "version": reg.RegisterDispute.Dispute.Version, "to": "ACCEPTED",
	}})
	scan(t, "mutation payload", adv.Raw)
	if len(adv.Errors) > 0 {
		t.Fatalf("advanceDispute: %s", adv.Raw)
	}
	// Every message the subscriber gets is scanned, up to and including the event about the
	// new dispute, which must arrive: a scan of no frames proves nothing.
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for events := 0; events == 0; {
		var m json.RawMessage
		if err := wsjson.Read(rctx, sub.conn, &m); err != nil {
			t.Fatalf("WebSocket: no event about the registered dispute arrived (%v); want one, scanned for canaries", err)
		}
		scan(t, "WebSocket", m)
		var frame struct {
			Type    string `json:"type"`
			Payload struct {
				Data struct {
					WorkflowEvents struct {
						Subject *struct {
							Summary *string `json:"summary"`
						} `json:"subject"`
					} `json:"workflowEvents"`
				} `json:"data"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(m, &frame); err == nil && frame.Type == "next" {
			if subj := frame.Payload.Data.WorkflowEvents.Subject; subj != nil && subj.Summary != nil {
				events++
			}
		}
	}

	// The control: a purpose naming the dispute shows its party in clear to an admin.
	ctl := s.callers[auth.Admin].WithPurpose("dispute "+disputeNo).Query(t, queries[4].query, queries[4].vars)
	if !bytes.Contains(ctl.Raw, []byte(canaryName)) || !bytes.Contains(ctl.Raw, []byte(canaryPhone)) {
		t.Errorf("admin stating the dispute: %s, want the canary party in clear (the scan must be able to see a value)", ctl.Raw)
	}
	_ = caseNo
}

func mustInt(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// export fetches an /export body for query as caller.
func export(t *testing.T, caller *hubtest.Hub, query, format string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, caller.Server.URL+"/export?"+url.Values{"query": {query}, "format": {format}}.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+caller.Token)
	if caller.Purpose != "" {
		req.Header.Set(auth.PurposeHeader, caller.Purpose)
	}
	resp, err := caller.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return body
}
