package redraw_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/redraw"
	"civiclink/db/workflow"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// t0 is when the tests' redraws take effect.
var t0 = time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

// admin is a context of an administrator with the clock at at.
func admin(at time.Time) context.Context {
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "test-admin", Role: auth.Admin})
	return clock.With(ctx, clock.Fixed(at))
}

// refusal names what an error says: "input <field>", "not found <field>", "" for none, else
// the error.
func refusal(err error) string {
	var in *apierr.InputError
	var nf *workflow.NotFoundError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &in):
		if in.Field == "" && len(in.Problems) > 0 {
			return "input " + in.Problems[0].Field
		}
		return "input " + in.Field
	case errors.As(err, &nf):
		return "not found " + nf.Field
	}
	return err.Error()
}

// TestApply: a split moves the named estate and persons to the new grid; a merge retires the
// grid into the other; a move changes the grid's community. Each is logged with the caller of
// ctx as actor, effective at the clock's now, and ends the grid's version for a new one.
func TestApply(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		plan  func(w dbtest.World, community int64) redraw.Plan
		check func(t *testing.T, tx pgx.Tx, w dbtest.World, community int64, res redraw.Result)
	}{
		{"split", func(w dbtest.World, _ int64) redraw.Plan {
			return redraw.Plan{Kind: redraw.Split, GridID: w.Grid, NewGrid: &redraw.NewGrid{Code: "N" + itoa(w.Grid), Name: "New grid", Kind: "BASIC"},
				EstateIDs: []int64{w.Estate}, PersonIDs: []int64{w.Persons[0]}, Reason: "the estate grew"}
		}, func(t *testing.T, tx pgx.Tx, w dbtest.World, _ int64, res redraw.Result) {
			if len(res.GridIDs) != 2 || res.GridIDs[0] != w.Grid {
				t.Fatalf("expected the grid and the new one, got %v", res.GridIDs)
			}
			var estateGrid, personGrid, otherPersonGrid int64
			if err := tx.QueryRow(ctx, `SELECT (SELECT grid_id FROM street.estate WHERE id = $1), (SELECT grid_id FROM street.person WHERE id = $2),
				(SELECT grid_id FROM street.person WHERE id = $3)`, w.Estate, w.Persons[0], w.Persons[1]).Scan(&estateGrid, &personGrid, &otherPersonGrid); err != nil {
				t.Fatal(err)
			}
			if estateGrid != res.GridIDs[1] || personGrid != res.GridIDs[1] || otherPersonGrid != w.Grid {
				t.Errorf("expected the estate and the first person in the new grid %d, the second person left in %d; got %d, %d, %d",
					res.GridIDs[1], w.Grid, estateGrid, personGrid, otherPersonGrid)
			}
		}},
		{"merge", func(w dbtest.World, _ int64) redraw.Plan {
			return redraw.Plan{Kind: redraw.Merge, GridID: w.OtherGrid, IntoGridID: &w.Grid, Reason: "too few households"}
		}, func(t *testing.T, tx pgx.Tx, w dbtest.World, _ int64, res redraw.Result) {
			var retired *time.Time
			if err := tx.QueryRow(ctx, `SELECT retired_at FROM street.grid WHERE id = $1`, w.OtherGrid).Scan(&retired); err != nil {
				t.Fatal(err)
			}
			if retired == nil || !retired.Equal(t0) {
				t.Errorf("expected the merged grid retired at %s, got %v", t0, retired)
			}
		}},
		{"move", func(w dbtest.World, community int64) redraw.Plan {
			return redraw.Plan{Kind: redraw.Move, GridID: w.Grid, CommunityID: &community, Reason: "boundary change"}
		}, func(t *testing.T, tx pgx.Tx, w dbtest.World, community int64, res redraw.Result) {
			var got int64
			if err := tx.QueryRow(ctx, `SELECT community_id FROM street.grid WHERE id = $1`, w.Grid).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != community {
				t.Errorf("expected the grid in community %d, got %d", community, got)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx := dbtest.Tx(t)
			w := dbtest.NewWorld(t, tx)
			community := newCommunity(t, tx, w)
			res, err := redraw.Apply(admin(t0), tx, c.plan(w, community))
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			var actor string
			var at time.Time
			if err := tx.QueryRow(ctx, `SELECT actor, effective_at FROM street.grid_redraw WHERE id = $1`, res.RedrawID).Scan(&actor, &at); err != nil {
				t.Fatal(err)
			}
			if actor != workflow.Actor(admin(t0)) || !at.Equal(t0) {
				t.Errorf("expected the redraw logged by %s at %s, got %s at %s", workflow.Actor(admin(t0)), t0, actor, at)
			}
			var ended, current int
			if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE valid_to = $2), count(*) FILTER (WHERE valid_to IS NULL AND valid_from = $2)
				FROM street.grid_version WHERE grid_id = ANY($1)`, res.GridIDs, t0).Scan(&ended, &current); err != nil {
				t.Fatal(err)
			}
			if ended == 0 || current == 0 {
				t.Errorf("expected versions ended at the redraw and new ones from it, got %d ended and %d new", ended, current)
			}
			c.check(t, tx, w, community, res)
		})
	}
}

// TestApplyRefusals: every refusal names the input at fault.
func TestApplyRefusals(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := context.Background()
	var otherEstate int64
	if err := tx.QueryRow(ctx, `INSERT INTO street.estate (community_id, grid_id, name, households, management_mode) VALUES ($1, $2, 'Other estate', 5, 'SELF_MANAGED') RETURNING id`,
		w.Community, w.OtherGrid).Scan(&otherEstate); err != nil {
		t.Fatal(err)
	}
	var takenCode string
	if err := tx.QueryRow(ctx, `SELECT code FROM street.grid WHERE id = $1`, w.OtherGrid).Scan(&takenCode); err != nil {
		t.Fatal(err)
	}
	missing := w.Community + 1_000_000
	split := func() redraw.Plan {
		return redraw.Plan{Kind: redraw.Split, GridID: w.Grid, NewGrid: &redraw.NewGrid{Code: "N" + itoa(w.Grid), Name: "New", Kind: "BASIC"},
			EstateIDs: []int64{w.Estate}, Reason: "r"}
	}
	for _, c := range []struct {
		name string
		at   time.Time
		plan func() redraw.Plan
		want string
	}{
		{"unknown kind", t0, func() redraw.Plan { return redraw.Plan{Kind: "ROTATE", GridID: w.Grid, Reason: "r"} }, "input kind"},
		{"no reason", t0, func() redraw.Plan { p := split(); p.Reason = ""; return p }, "input reason"},
		{"split without a new grid", t0, func() redraw.Plan { p := split(); p.NewGrid = nil; return p }, "input newGrid"},
		{"split of another grid's estate", t0, func() redraw.Plan { p := split(); p.EstateIDs = []int64{otherEstate}; return p }, "input estateIds"},
		{"split into a taken code", t0, func() redraw.Plan { p := split(); p.NewGrid.Code = takenCode; return p }, "input newGrid.code"},
		{"no such grid", t0, func() redraw.Plan { p := split(); p.GridID = w.Grid + 1_000_000; return p }, "not found gridId"},
		{"merge into itself", t0, func() redraw.Plan {
			return redraw.Plan{Kind: redraw.Merge, GridID: w.Grid, IntoGridID: &w.Grid, Reason: "r"}
		}, "input intoGridId"},
		{"move into its own community", t0, func() redraw.Plan {
			return redraw.Plan{Kind: redraw.Move, GridID: w.Grid, CommunityID: &w.Community, Reason: "r"}
		}, "input communityId"},
		{"move into no community", t0, func() redraw.Plan {
			return redraw.Plan{Kind: redraw.Move, GridID: w.Grid, CommunityID: &missing, Reason: "r"}
		}, "not found communityId"},
		// The grid's first version is in force from 2000-01-01 (Shanghai): a redraw effective
		// before it, by the clock, would precede the grid's own history.
		{"effective before the grid's version", time.Date(1999, 6, 1, 0, 0, 0, 0, time.UTC), split, "input effectiveAt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sp, err := tx.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = sp.Rollback(ctx) }()
			_, err = redraw.Apply(admin(c.at), sp, c.plan())
			if got := refusal(err); got != c.want {
				t.Errorf("expected %q, got %q (%v)", c.want, got, err)
			}
		})
	}
	// A merged grid is retired: it can be redrawn no more.
	if _, err := redraw.Apply(admin(t0), tx, redraw.Plan{Kind: redraw.Merge, GridID: w.OtherGrid, IntoGridID: &w.Grid, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	_, err := redraw.Apply(admin(t0.Add(time.Minute)), tx, redraw.Plan{Kind: redraw.Merge, GridID: w.OtherGrid, IntoGridID: &w.Grid, Reason: "again"})
	if got := refusal(err); got != "input gridId" {
		t.Errorf("redrawing a retired grid: expected %q, got %q (%v)", "input gridId", got, err)
	}
}

// newCommunity adds a second community to the world's.
func newCommunity(t *testing.T, tx pgx.Tx, w dbtest.World) int64 {
	t.Helper()
	var id int64
	if err := tx.QueryRow(context.Background(), `INSERT INTO street.community (code, name) VALUES ('M' || $1::bigint, 'Second community') RETURNING id`, w.Community).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
