package seed

import (
	"context"
	"fmt"

	"civiclink/db/redraw"
)

// loadPractices derives what the office's practices record from the loaded history: the
// response moments (dispatched, on scene, first response, first contact) from the status logs,
// as the transitions would have written them; and the grid redraw the office made at the end
// of the period (redrawPast).
func (w *world) loadPractices(ctx context.Context, l *loader) error {
	if _, err := l.tx.Exec(ctx, "SELECT hub.fill_response_moments()"); err != nil {
		return fmt.Errorf("seed: response moments: %w", err)
	}
	return w.redrawPast(ctx, l)
}

// redrawPast splits the grid with the most estates at the end of the period, through the
// same code as the redrawGrid mutation: the later half of its estates (with their records),
// the persons whose address names one of them, one of its grid workers and its patch officer
// go to a new grid. Every record keeps the old grid as its grid of the time; only the
// grouping by today's grid moves.
func (w *world) redrawPast(ctx context.Context, l *loader) error {
	var grid int64
	var code string
	var estates []int64
	err := l.tx.QueryRow(ctx, `SELECT g.id, g.code, array_agg(e.id ORDER BY e.id) FROM street.grid g JOIN street.estate e ON e.grid_id = g.id
		GROUP BY g.id, g.code HAVING count(*) >= 2 ORDER BY count(*) DESC, g.id DESC LIMIT 1`).Scan(&grid, &code, &estates)
	if err != nil {
		return fmt.Errorf("seed: pick a grid to split: %w", err)
	}
	moved := estates[len(estates)/2:]
	var persons, workers, officers []int64
	err = l.tx.QueryRow(ctx, `SELECT
		coalesce((SELECT array_agg(p.id ORDER BY p.id) FROM street.person p WHERE p.grid_id = $1
		          AND EXISTS (SELECT 1 FROM street.estate e WHERE e.id = ANY($2) AND strpos(p.address, e.name) > 0)), '{}'),
		coalesce((SELECT array_agg(id) FROM (SELECT gw.id FROM street.grid_worker gw WHERE gw.grid_id = $1 AND gw.post <> 'LEADER'
		          AND (gw.active_to IS NULL OR gw.active_to >= $3::date) ORDER BY gw.id DESC LIMIT 1) x
		          WHERE (SELECT count(*) FROM street.grid_worker WHERE grid_id = $1) >= 2), '{}'),
		coalesce((SELECT array_agg(og.officer_id) FROM police.officer_grid og WHERE og.grid_id = $1 AND og.role = 'PATCH'), '{}')`,
		grid, moved, w.end.In(w.tz).Format("2006-01-02")).Scan(&persons, &workers, &officers)
	if err != nil {
		return fmt.Errorf("seed: what the split moves: %w", err)
	}
	_, err = redraw.Apply(ctx, l.tx, redraw.Plan{
		Kind: redraw.Split, GridID: grid, At: w.end,
		NewGrid:   &redraw.NewGrid{Code: code + "-N", Name: w.streetName + "新建网格（由" + code + "拆分）", Kind: "BASIC"},
		EstateIDs: moved, PersonIDs: persons, GridWorkerIDs: workers, OfficerIDs: officers,
		Reason: "网格优化调整：按小区重新划分", Actor: "street:" + w.streetName + "网格化服务管理中心",
	})
	if err != nil {
		return fmt.Errorf("seed: split grid %s: %w", code, err)
	}
	for _, table := range []string{"street.grid", "street.grid_version", "street.grid_redraw", "street.grid_worker", "police.officer_grid"} {
		var n int
		if err := l.tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			return fmt.Errorf("seed: count %s: %w", table, err)
		}
		l.stats.Rows[table] = n
	}
	return nil
}
