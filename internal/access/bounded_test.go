package access_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
	"civiclink/internal/hubtest"

	"github.com/jackc/pgx/v5"
)

// boundedNode is the part of a node of EXPLAIN (ANALYZE, FORMAT JSON) TestContractReadsAreBounded reads.
type boundedNode struct {
	NodeType    string        `json:"Node Type"`
	Relation    string        `json:"Relation Name"`
	Function    string        `json:"Function Name"`
	ActualLoops float64       `json:"Actual Loops"`
	ActualRows  float64       `json:"Actual Rows"`
	Plans       []boundedNode `json:"Plans"`
}

// walk calls f on n and every node below it.
func (n boundedNode) walk(f func(boundedNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}

// TestContractReadsAreBounded checks the plans of the contract queries' statements whose
// cost grew with the data rather than with the page (issue 10: p50 at scale 10 within 1.2×
// of scale 1), as street staff under row security, as the hub sends them: each must read
// what its answer needs from an index, not visit a heap page per matching row or aggregate
// rows the page does not show. They are the statements of referred-disputes.graphql and
// station-welfare.graphql that read 7,036, 702 and 251 buffers at scale 10 (705, 57 and 142
// at scale 1).
func TestContractReadsAreBounded(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, hubtest.Options{})
	ctx := t.Context()
	var officers, rounds []int64
	if err := h.Pool.QueryRow(ctx, `SELECT array_agg(DISTINCT officer_id) FROM welfare.benefit_grant`).Scan(&officers); err != nil {
		t.Fatal(err)
	}
	if err := h.Pool.QueryRow(ctx, `SELECT array_agg(id) FROM (SELECT id FROM welfare.survey ORDER BY id LIMIT 8) s`).Scan(&rounds); err != nil {
		t.Fatal(err)
	}
	var allRounds float64
	if err := h.Pool.QueryRow(ctx, `SELECT count(DISTINCT survey_id) FROM welfare.survey_response`).Scan(&allRounds); err != nil {
		t.Fatal(err)
	}
	app, err := dbpool.Open(ctx, dbpool.Options{URL: h.URL, MaxConns: 2, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	staff := auth.WithPrincipal(context.Background(), auth.Principal{Role: auth.StreetStaff})

	tests := []struct {
		name  string
		sql   string
		args  []any
		check func(root boundedNode) error
	}{
		{
			name: "referred disputes' totalCount",
			sql:  `SELECT count(*) FROM mediation.dispute t WHERE (t.source = ANY($1))`,
			args: []any{[]string{"POLICE_REFERRAL"}},
			check: func(root boundedNode) error {
				return indexOnly(root, "dispute")
			},
		},
		{
			name: "officers' benefit grants",
			sql: `SELECT t.id, t.created_at, t.updated_at, t.version, t.program_id, t.officer_id, t.status, t.amount, t.applied_on, t.granted_on
				FROM welfare.benefit_grant t WHERE (t.officer_id = ANY($1)) ORDER BY t.officer_id, t.applied_on DESC, t.id DESC`,
			args: []any{officers},
			check: func(root boundedNode) error {
				if err := indexOnly(root, "benefit_grant"); err != nil {
					return err
				}
				var sorts int
				root.walk(func(n boundedNode) {
					if n.NodeType == "Sort" {
						sorts++
					}
				})
				if sorts > 0 {
					return fmt.Errorf("the plan sorts the grants; want them read in the list's order from the index")
				}
				return nil
			},
		},
		{
			name: "a page of survey rounds' summaries",
			sql: `SELECT t.survey_id, t.respondents, t.overall, t.belonging, t.workload, t.suppressed
				FROM welfare.survey_summary t WHERE (t.survey_id = ANY($1)) ORDER BY t.survey_id`,
			args: []any{rounds},
			check: func(root boundedNode) error {
				var figures float64
				root.walk(func(n boundedNode) {
					if n.NodeType == "Function Scan" || n.NodeType == "Aggregate" {
						figures += n.ActualRows * n.ActualLoops
					}
				})
				if figures > float64(len(rounds)) {
					return fmt.Errorf("the figures of %.0f rounds were computed (of %.0f with answers); want those of the %d rounds asked for only",
						figures, allRounds, len(rounds))
				}
				return nil
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw []byte
			err := pgx.BeginFunc(staff, app, func(tx pgx.Tx) error {
				// The test's tables are small enough for a sequential scan to win, and how much
				// of them VACUUM could mark all-visible depends on the transactions of parallel
				// tests. Without sequential and bitmap scans the planner takes an index-only
				// scan exactly when an index covers the statement, whatever the table's size
				// and visibility map, and that is what matters at scale.
				if _, err := tx.Exec(staff, "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)"); err != nil {
					return err
				}
				return tx.QueryRow(staff, "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) "+tt.sql, tt.args...).Scan(&raw)
			})
			if err != nil {
				t.Fatalf("explain: %v", err)
			}
			var plans []struct {
				Plan boundedNode `json:"Plan"`
			}
			if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
				t.Fatalf("read the plan %s: %v", raw, err)
			}
			if err := tt.check(plans[0].Plan); err != nil {
				t.Errorf("%v\nplan: %s", err, raw)
			}
		})
	}
}

// indexOnly fails unless every scan of relation in the plan is an index-only scan.
func indexOnly(root boundedNode, relation string) error {
	var scans int
	var err error
	root.walk(func(n boundedNode) {
		if n.Relation != relation || err != nil {
			return
		}
		scans++
		if n.NodeType != "Index Only Scan" {
			err = fmt.Errorf("%s is read by a %s; want an index-only scan (the policy's and the answer's columns in the index)", relation, n.NodeType)
		}
	})
	if err == nil && scans == 0 {
		err = fmt.Errorf("the plan does not read %s", relation)
	}
	return err
}
