package access_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"civiclink/db/store"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
	"civiclink/internal/hubtest"

	"github.com/jackc/pgx/v5"
)

// planNode is the part of a node of EXPLAIN (ANALYZE, FORMAT JSON) the cost test reads.
type planNode struct {
	NodeType    string     `json:"Node Type"`
	Relation    string     `json:"Relation Name"`
	Parent      string     `json:"Parent Relationship"`
	SubplanName string     `json:"Subplan Name"`
	ActualLoops float64    `json:"Actual Loops"`
	ActualRows  float64    `json:"Actual Rows"`
	Plans       []planNode `json:"Plans"`
}

// plan is one statement's analysed plan.
type plan struct {
	Plan planNode       `json:"Plan"`
	JIT  map[string]any `json:"JIT"`
}

// perRow lists the correlated subplans of a plan (SubPlans that are neither hashed nor
// InitPlans, so they run once per row of the node that calls them) that read a table, with
// how often each ran.
func perRow(n planNode, inside string, out map[string]float64) {
	name := inside
	if n.Parent == "SubPlan" && strings.HasPrefix(n.SubplanName, "SubPlan ") {
		name = n.SubplanName
	}
	if key := n.Relation + " in " + name; name != "" && n.Relation != "" && n.ActualLoops > out[key] {
		out[key] = n.ActualLoops
	}
	for _, c := range n.Plans {
		perRow(c, name, out)
	}
}

// reads lists the tables a plan reads (outside the hub's functions, whose bodies a plan
// does not show; a branch of a policy for another role is never run), with the most rows
// any one scan of each returned over its loops.
func reads(n planNode, out map[string]float64) {
	if n.Relation != "" && n.ActualLoops > 0 {
		out[n.Relation] = max(out[n.Relation], n.ActualRows*n.ActualLoops)
	}
	for _, c := range n.Plans {
		reads(c, out)
	}
}

// cost is what one scoped read costs beyond its rows: whether it was compiled (JIT), the
// calls of the hub's functions, the correlated subplans that ran per row and the tables read.
type cost struct {
	rows   int64
	jit    bool
	calls  int64
	perRow map[string]float64
	reads  map[string]float64
}

// scopedCost counts table's rows under the Go rule and row security as c (as db/store reads
// them, through the serving pool) and reports what that cost.
func scopedCost(ctx context.Context, app *dbpool.Pool, table store.ScopedTable) (cost, bool, error) {
	where, args, ok := table.Condition(ctx)
	if !ok {
		return cost{}, false, nil
	}
	if where == "" {
		where = "TRUE"
	}
	var c cost
	err := pgx.BeginFunc(ctx, app, func(tx pgx.Tx) error {
		// Calls are counted in the backend until the transaction ends: read them before and after.
		const calls = `SELECT coalesce(sum(pg_stat_get_xact_function_calls(p.oid)), 0)::bigint
			FROM pg_proc p WHERE p.pronamespace = 'hub'::regnamespace`
		var before int64
		if err := tx.QueryRow(ctx, calls).Scan(&before); err != nil {
			return fmt.Errorf("count calls: %w", err)
		}
		sql := fmt.Sprintf("SELECT count(*) FROM %s t WHERE %s", table.Name, where)
		if err := tx.QueryRow(ctx, sql, args...).Scan(&c.rows); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		var raw []byte
		if err := tx.QueryRow(ctx, "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) "+sql, args...).Scan(&raw); err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		var plans []plan
		if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
			return fmt.Errorf("read the plan %s: %v", raw, err)
		}
		c.jit = plans[0].JIT != nil
		c.perRow = map[string]float64{}
		perRow(plans[0].Plan, "", c.perRow)
		c.reads = map[string]float64{}
		reads(plans[0].Plan, c.reads)
		// The calls of the two statements (the count and its analysed twin).
		if err := tx.QueryRow(ctx, calls).Scan(&c.calls); err != nil {
			return fmt.Errorf("count calls: %w", err)
		}
		c.calls -= before
		return nil
	})
	return c, true, err
}

// TestScopedReadsAreSetBased checks, caller by caller and table by table, that a scoped
// read (the Go rule plus row security, as the serving pool runs it) costs what a set-based
// plan costs: the hub's scope functions run a bounded number of times per statement
// whatever the number of rows, no subquery over a table runs once per row of a scoped
// table, and no statement is JIT-compiled (the policies' many never-run branches make
// PostgreSQL's estimates large enough to compile, which took seconds per statement).
func TestScopedReadsAreSetBased(t *testing.T) {
	t.Parallel()
	scale := 0.0
	if s := os.Getenv("CIVICLINK_SETBASED_SCALE"); s != "" {
		scale, _ = strconv.ParseFloat(s, 64)
	}
	h := hubtest.New(t, hubtest.Options{SeedScale: scale})
	var db string
	if err := h.Pool.QueryRow(t.Context(), "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Pool.Exec(t.Context(), "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+" SET track_functions = 'all'"); err != nil {
		t.Fatal(err)
	}
	app, err := dbpool.Open(t.Context(), dbpool.Options{URL: h.URL, MaxConns: 2, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	for _, c := range callers(t, h) {
		t.Run(c.name, func(t *testing.T) {
			ctx := auth.WithPrincipal(context.Background(), c.p)
			for _, table := range store.ScopedTables() {
				got, ok, err := scopedCost(ctx, app, table)
				if err != nil {
					t.Errorf("%s: %v", table.Name, err)
					continue
				}
				if !ok {
					continue
				}
				if got.jit {
					t.Errorf("%s (%d rows): the statement was JIT-compiled, want no JIT for the hub's statements", table.Name, got.rows)
				}
				if got.calls > maxCalls {
					t.Errorf("%s (%d rows): the hub's functions ran %d times in two statements, want at most %d whatever the rows",
						table.Name, got.rows, got.calls, maxCalls)
				}
				self := strings.Trim(table.Name[strings.LastIndex(table.Name, ".")+1:], `"`)
				for rel, rows := range got.reads {
					if rel != self && !slices.Contains(parents[table.Name], rel) {
						t.Errorf("%s (%d rows): the statement read %.0f rows of %s; want other tables' scope sets read through the hub's functions (only a row's own parent may be read)",
							table.Name, got.rows, rows, rel)
					}
				}
				for sub, loops := range got.perRow {
					rel := sub[:strings.Index(sub, " in ")]
					if loops > 1 && !slices.Contains(parents[table.Name], rel) {
						t.Errorf("%s (%d rows): %s ran %.0f times, once per row; want each scope set read once per statement (only a row's own parent may be looked up per row)",
							table.Name, got.rows, sub, loops)
					}
				}
			}
		})
	}
}

// maxCalls bounds the calls of the hub's functions in a scoped count and its EXPLAIN
// ANALYZE: each scope set and each setting is read a few times per statement, never per row.
const maxCalls = 40

// parents are, for a table, the tables its policy looks a row's own parent up in by key
// (one index probe per row, like a nested loop join, which the planner may prefer to a hash
// for few rows): a child's parent. Any other table read, or subquery run per row, is a scope
// set that should have been read once, through a function; a dispute keeps its referred
// case's station (a police officer's disputes read no case: they were a nested loop over
// the station's 30,000 cases at scale 1).
var parents = func() map[string][]string {
	dispute := []string{"dispute"}
	return map[string][]string{
		"mediation.dispute_party":          dispute,
		"mediation.dispute_mediator":       dispute,
		"mediation.session":                dispute,
		"mediation.agreement":              dispute,
		"mediation.dispute_status_log":     dispute,
		"mediation.follow_up":              append([]string{"agreement"}, dispute...),
		"police.case_party":                {"case"},
		"police.case_status_log":           {"case"},
		"street.grid_event_status_log":     {"grid_event"},
		"risk.measure":                     {"risk_item"},
		"risk.risk_link":                   {"risk_item"},
		"risk.risk_item_status_log":        {"risk_item"},
		"risk.assessment_status_log":       {"assessment"},
		"welfare.benefit_grant_status_log": {"benefit_grant"},
		"welfare.survey_summary":           {"survey", "survey_response"}, // a round's answers, by its key, as the view's owner
	}
}()
