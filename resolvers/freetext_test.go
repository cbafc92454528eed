package resolvers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/internal/pii"
)

// TestFreeTextIsRedacted reads the free texts that repeat personal data (dispute summaries,
// case summaries, risk-item descriptions) as roles that see the persons masked, and checks
// that the parties' names and the case's address are masked inside them, keeping the text's
// shape, while a purpose naming the dispute shows its parties' names; and that the
// redaction is batched (a list's texts cost a bounded number of statements).
func TestFreeTextIsRedacted(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	ctx := context.Background()
	type text struct{ clear, secret string }
	collect := func(sql string, args ...any) []text {
		t.Helper()
		rows, err := s.hub.Pool.Query(ctx, sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []text
		for rows.Next() {
			var x text
			if err := rows.Scan(&x.clear, &x.secret); err != nil {
				t.Fatal(err)
			}
			out = append(out, x)
		}
		if len(out) == 0 {
			t.Fatalf("no texts for %s", sql)
		}
		return out
	}
	disputeTexts := collect(`SELECT d.summary, p.name FROM mediation.dispute d JOIN mediation.dispute_party dp ON dp.dispute_id = d.id
		JOIN street.person p ON p.id = dp.person_id WHERE d.grid_id = $1 AND strpos(d.summary, p.name) > 0`, s.grid)
	caseTexts := collect(`SELECT c.summary, c.address FROM police."case" c WHERE strpos(c.summary, c.address) > 0
		AND (EXISTS (SELECT 1 FROM mediation.dispute d WHERE d.referred_case_id = c.id) OR EXISTS (SELECT 1 FROM street.grid_event e WHERE e.converted_case_id = c.id))`)
	riskTexts := collect(`SELECT r.description, p.name FROM risk.risk_item r JOIN risk.risk_link l ON l.risk_item_id = r.id
		JOIN mediation.dispute_party dp ON dp.dispute_id = l.dispute_id JOIN street.person p ON p.id = dp.person_id
		WHERE r.grid_id = $1 AND strpos(r.description, p.name) > 0`, s.grid)
	tests := []struct {
		name, role, query string
		texts             []text
	}{
		{"dispute summaries, grid worker", auth.GridWorker, `{ disputes(first: 500) { nodes { summary } } }`, disputeTexts},
		{"dispute summaries, street staff", auth.StreetStaff, `{ disputes(first: 500) { nodes { summary } } }`, disputeTexts},
		{"case summaries, street staff", auth.StreetStaff, `{ cases(first: 500) { nodes { summary } } }`, caseTexts},
		{"risk descriptions, grid worker", auth.GridWorker, `{ riskItems(first: 500) { nodes { description } } }`, riskTexts},
		{"risk descriptions, street staff", auth.StreetStaff, `{ riskItems(first: 500) { nodes { description } } }`, riskTexts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.callers[tt.role].Query(t, tt.query, nil)
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %s", res.Raw)
			}
			raw := string(res.Raw)
			seen := 0
			for _, x := range tt.texts {
				if strings.Contains(raw, x.secret) {
					t.Errorf("the response shows %q in clear (text %q), want it masked", x.secret, x.clear)
					continue
				}
				mask := pii.MaskName
				if strings.Contains(tt.name, "case") {
					mask = pii.MaskAddress
				}
				masked := x.clear
				for _, y := range tt.texts {
					if y.clear == x.clear {
						masked = strings.ReplaceAll(masked, y.secret, mask(y.secret))
					}
				}
				if strings.Contains(raw, masked) {
					seen++
				}
			}
			if seen == 0 {
				t.Errorf("none of the %d texts is in the response with its value masked in place; want the text kept, masked", len(tt.texts))
			}
		})
	}

	// A purpose naming a dispute shows that dispute's parties inside its summary.
	var disputeNo, summary string
	if err := s.hub.Pool.QueryRow(ctx, `SELECT d.dispute_no, d.summary FROM mediation.dispute d WHERE EXISTS (SELECT 1 FROM mediation.dispute_party dp
		JOIN street.person p ON p.id = dp.person_id WHERE dp.dispute_id = d.id AND strpos(d.summary, p.name) > 0)
		AND NOT EXISTS (SELECT 1 FROM mediation.dispute_party dp JOIN street.person p ON p.id = dp.person_id WHERE dp.dispute_id = d.id
			AND ('MINOR' = ANY (p.flags) OR p.birth_date > now() - interval '18 years' OR EXISTS (SELECT 1 FROM police.case_party cp WHERE cp.person_id = p.id AND cp.is_minor)))
		ORDER BY d.id LIMIT 1`).Scan(&disputeNo, &summary); err != nil {
		t.Fatal(err)
	}
	var d struct{ Dispute struct{ Summary string } }
	s.callers[auth.StreetStaff].WithPurpose("dispute "+disputeNo).Query(t, `query($n: String!) { dispute(disputeNo: $n) { summary } }`, map[string]any{"n": disputeNo}).MustData(t, &d)
	if d.Dispute.Summary != summary {
		t.Errorf("with its purpose the summary is %q, want it in clear: %q", d.Dispute.Summary, summary)
	}

	// Batched by level: the texts of a level cost one statement (the rows they may mention,
	// read for every row of the level at once), alone and 16 requests at once, whatever the
	// scheduling: no text waits on a batch window.
	const (
		without = `{ disputes(first: 200) { nodes { disputeNo referredCase { caseNo } } } }`
		with    = `{ disputes(first: 200) { nodes { disputeNo summary outcome referredCase { caseNo summary disposition } } } }`
	)
	staff := s.callers[auth.StreetStaff]
	base := staff.Query(t, without, nil).Statements
	count := func(what string, res *hubtest.Response) {
		t.Helper()
		if len(res.Errors) > 0 {
			t.Errorf("%s: errors %s", what, res.Raw)
		} else if res.Statements-base > 2 {
			t.Errorf("%s: 200 disputes' and their referred cases' texts cost %d statements more than none, want at most 2 (one per level)",
				what, res.Statements-base)
		}
	}
	count("alone", staff.Query(t, with, nil))
	const concurrency = 16
	got := make([]*hubtest.Response, concurrency)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = staff.Query(t, with, nil) })
	}
	wg.Wait()
	for i, res := range got {
		count(fmt.Sprintf("request %d of %d at once", i+1, concurrency), res)
	}
}
