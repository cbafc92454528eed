package resolvers_test

import (
	"context"
	"encoding/json"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// pastFigures are the grid-grouped aggregates of every record type that keeps its grid.
const pastFigures = `query($g: GridAsOf) {
  cases: caseStats(groupBy: [GRID, COMMUNITY], gridAsOf: $g) { grid { code } community { code } suppressed count closed }
  events: gridEventStats(groupBy: [GRID], gridAsOf: $g) { grid { code } suppressed count converted }
  disputes: disputeStats(groupBy: [COMMUNITY, GRID], gridAsOf: $g) { grid { code } community { code } suppressed count agreed }
  risks: riskItemStats(groupBy: [GRID], gridAsOf: $g) { grid { code } count overdueMeasures }
  responses: responseStats(groupBy: [GRID, WORKFLOW], gridAsOf: $g) { grid { code } workflow suppressed count medianMinutesToRespond }
}`

func figures(t *testing.T, hub *hubtest.Hub, gridAsOf string) string {
	t.Helper()
	res := hub.Query(t, pastFigures, map[string]any{"g": gridAsOf})
	var data json.RawMessage
	res.MustData(t, &data)
	return string(data)
}

// TestRedrawKeepsPastFigures: the seed's past split already shows records under today's grid
// apart from the grid of the time; a merge through the API then leaves every figure grouped
// by the grid of the time unchanged and moves the merged grid's figures when grouped by
// today's grid, which follows plain SQL.
func TestRedrawKeepsPastFigures(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	var redraws struct {
		GridRedraws []struct {
			Kind, Details string
			Versions      []struct {
				Version int
				Grid    struct{ Code string }
			}
		}
	}
	hub.Query(t, `{ gridRedraws { kind details versions { version grid { code } } } }`, nil).MustData(t, &redraws)
	if len(redraws.GridRedraws) != 1 || redraws.GridRedraws[0].Kind != "SPLIT" || len(redraws.GridRedraws[0].Versions) != 2 {
		t.Fatalf("seeded redraws = %+v, want one SPLIT opening two versions", redraws)
	}
	if figures(t, hub, "EVENT_TIME") == figures(t, hub, "CURRENT") {
		t.Errorf("after the seeded split, figures by the grid of the time equal those by today's grid; want the split-off estates' records apart")
	}

	// Merge the grid with the most cases into another grid of its community.
	var from, into int64
	var intoCode string
	err := hub.Pool.QueryRow(ctx, `SELECT g.id, y.id, y.code FROM street.grid g JOIN street.grid y ON y.community_id = g.community_id AND y.id <> g.id
		WHERE g.retired_at IS NULL AND y.retired_at IS NULL
		ORDER BY (SELECT count(*) FROM police."case" c WHERE c.grid_id = g.id) DESC, g.id, y.id LIMIT 1`).Scan(&from, &into, &intoCode)
	if err != nil {
		t.Fatal(err)
	}
	beforeEvent, beforeCurrent := figures(t, hub, "EVENT_TIME"), figures(t, hub, "CURRENT")
	var moved struct{ Cases, Intoafter int }
	if err := hub.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE grid_id = $1), count(*) FILTER (WHERE grid_id IN ($1, $2)) FROM police."case"`, from, into).
		Scan(&moved.Cases, &moved.Intoafter); err != nil {
		t.Fatal(err)
	}
	const merge = `mutation($in: RedrawGridInput!) { redrawGrid(input: $in) { redraw { kind details } grids { code retiredAt versions { version validTo } } } }`
	in := map[string]any{"kind": "MERGE", "gridId": globalid.Encode("Grid", from), "intoGridId": globalid.Encode("Grid", into), "reason": "two grids become one"}
	if res := hub.As(t, auth.StreetStaff, auth.ScopeClaims{}).Query(t, merge, map[string]any{"in": in}); len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" {
		t.Fatalf("a merge by street staff = %s, want FORBIDDEN", res.Raw)
	}
	var out struct {
		RedrawGrid struct {
			Grids []struct {
				RetiredAt *string
				Versions  []struct{ ValidTo *string }
			}
		}
	}
	hub.Query(t, merge, map[string]any{"in": in}).MustData(t, &out)
	if g := out.RedrawGrid.Grids; len(g) != 2 || g[0].RetiredAt == nil || g[0].Versions[len(g[0].Versions)-1].ValidTo == nil || g[1].Versions[len(g[1].Versions)-1].ValidTo != nil {
		t.Fatalf("merge result %+v: want the merged grid retired with its last version ended, the other with a new current version", out)
	}
	if got := figures(t, hub, "EVENT_TIME"); got != beforeEvent {
		t.Errorf("the merge changed figures grouped by the grid of the time:\nbefore %s\nafter  %s", beforeEvent, got)
	}
	afterCurrent := figures(t, hub, "CURRENT")
	if afterCurrent == beforeCurrent {
		t.Errorf("the merge left figures grouped by today's grid unchanged; want the merged grid's records under %s", intoCode)
	}
	var cur struct {
		CaseStats []struct {
			Grid  *struct{ Code string }
			Count *int
		}
	}
	hub.Query(t, `{ caseStats(groupBy: [GRID], gridAsOf: CURRENT) { grid { code } count } }`, nil).MustData(t, &cur)
	for _, g := range cur.CaseStats {
		if g.Grid != nil && g.Grid.Code == intoCode && (g.Count == nil || *g.Count != moved.Intoafter) {
			t.Errorf("today's grid %s counts %v cases, SQL %d (both grids)", intoCode, g.Count, moved.Intoafter)
		}
	}
	var left int
	if err := hub.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM police."case" WHERE grid_id = $1) + (SELECT count(*) FROM street.estate WHERE grid_id = $1)
		+ (SELECT count(*) FROM street.person WHERE grid_id = $1) + (SELECT count(*) FROM street.grid_worker WHERE grid_id = $1 AND (active_to IS NULL OR active_to > (now() AT TIME ZONE 'Asia/Shanghai')::date))`, from).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 || moved.Cases == 0 {
		t.Errorf("after the merge %d cases, estates, persons or active workers remain in the retired grid (it had %d cases)", left, moved.Cases)
	}
}

// TestRedrawSplit splits a grid through the API: the named estates go with their records to
// the new grid, which new records then belong to; bad plans are refused.
func TestRedrawSplit(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	var grid, estate int64
	var code string
	err := hub.Pool.QueryRow(ctx, `SELECT g.id, g.code, max(e.id) FROM street.grid g JOIN street.estate e ON e.grid_id = g.id
		WHERE g.retired_at IS NULL GROUP BY g.id, g.code HAVING count(*) >= 2 ORDER BY g.id LIMIT 1`).Scan(&grid, &code, &estate)
	if err != nil {
		t.Fatal(err)
	}
	const m = `mutation($in: RedrawGridInput!) { redrawGrid(input: $in) { redraw { kind details } grids { id code versions { version } } } }`
	base := func() map[string]any {
		return map[string]any{"kind": "SPLIT", "gridId": globalid.Encode("Grid", grid), "reason": "the new estate gets its own grid",
			"newGrid": map[string]any{"code": code + "-S", "name": "拆分网格", "kind": "BASIC"}, "estateIds": []string{globalid.Encode("Estate", estate)}}
	}
	refusals := []struct {
		name, field string
		change      func(map[string]any)
	}{
		{"no estate", "estateIds", func(in map[string]any) { delete(in, "estateIds") }},
		{"an estate of another grid", "estateIds", func(in map[string]any) { in["estateIds"] = []string{globalid.Encode("Estate", 1<<40)} }},
		{"a taken code", "newGrid.code", func(in map[string]any) { in["newGrid"].(map[string]any)["code"] = code }},
		{"no reason", "reason", func(in map[string]any) { in["reason"] = "" }},
	}
	for _, tt := range refusals {
		in := base()
		tt.change(in)
		res := hub.Query(t, m, map[string]any{"in": in})
		if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != tt.field {
			t.Errorf("%s: %s, want BAD_USER_INPUT on %s", tt.name, res.Raw, tt.field)
		}
	}
	const versionsOf = `SELECT count(*), coalesce(string_agg(grid_version_id::text, ',' ORDER BY id), '') FROM police."case" WHERE estate_id = $1`
	var before int
	var versionsBefore, versionsAfter string
	if err := hub.Pool.QueryRow(ctx, versionsOf, estate).Scan(&before, &versionsBefore); err != nil {
		t.Fatal(err)
	}
	var out struct {
		RedrawGrid struct {
			Redraw struct{ Kind, Details string }
			Grids  []struct{ ID, Code string }
		}
	}
	hub.Query(t, m, map[string]any{"in": base()}).MustData(t, &out)
	if len(out.RedrawGrid.Grids) != 2 || out.RedrawGrid.Grids[1].Code != code+"-S" {
		t.Fatalf("split result %+v, want the grid and the new one", out)
	}
	_, newGrid, _ := globalid.Decode(out.RedrawGrid.Grids[1].ID)
	var details map[string]int
	if err := json.Unmarshal([]byte(out.RedrawGrid.Redraw.Details), &details); err != nil || details["estates"] != 1 || details["records"] < before {
		t.Errorf("redraw details %s, want 1 estate and at least the estate's %d cases", out.RedrawGrid.Redraw.Details, before)
	}
	var movedCases, newEstateGrid, n int
	err = hub.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM police."case" WHERE estate_id = $1 AND grid_id = $2),
		(SELECT count(*) FROM street.estate WHERE id = $1 AND grid_id = $2)`, estate, newGrid).Scan(&movedCases, &newEstateGrid)
	if err != nil {
		t.Fatal(err)
	}
	if err := hub.Pool.QueryRow(ctx, versionsOf, estate).Scan(&n, &versionsAfter); err != nil {
		t.Fatal(err)
	}
	if movedCases != before || newEstateGrid != 1 || versionsAfter != versionsBefore || before == 0 {
		t.Errorf("after the split: %d of the estate's %d cases in the new grid (estate moved: %d); grid versions of the time %q, before %q",
			movedCases, before, newEstateGrid, versionsAfter, versionsBefore)
	}
	// A grid event reported now in the new grid belongs to its first version.
	var ev struct {
		ReportGridEvent struct {
			GridEvent struct {
				GridAtTheTime struct {
					Version int
					Grid    struct{ Code string }
				}
			}
		}
	}
	hub.As(t, auth.StreetStaff, auth.ScopeClaims{}).Query(t, `mutation($in: ReportGridEventInput!) { reportGridEvent(input: $in) { gridEvent { gridAtTheTime { version grid { code } } } } }`,
		map[string]any{"in": map[string]any{"gridId": out.RedrawGrid.Grids[1].ID, "category": "ENVIRONMENT", "urgency": "LOW", "summary": "litter"}}).MustData(t, &ev)
	if g := ev.ReportGridEvent.GridEvent.GridAtTheTime; g.Version != 1 || g.Grid.Code != code+"-S" {
		t.Errorf("a new event's grid at the time = %+v, want version 1 of %s-S", g, code)
	}
}
