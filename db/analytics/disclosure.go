package analytics

import (
	"context"

	"civiclink/internal/auth"
)

// DefaultMinCellSize is the smallest number of people a published cell may be about: the
// design's rule that analysts only ever see aggregates over at least five people.
const DefaultMinCellSize = 5

type minCellKey struct{}

// WithMinCellSize returns a context whose aggregates suppress cells about fewer than n
// people (0 turns suppression off); without it every request gets DefaultMinCellSize.
func WithMinCellSize(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, minCellKey{}, n)
}

// MinCellSize is the disclosure policy of a request: cells of aggregates over people (cases,
// grid events, disputes, benefit grants, survey responses) about fewer people than this have
// their count and measures nulled and suppressed set. Risk items are not about people and are
// never suppressed; survey answers are always suppressed under DefaultMinCellSize respondents,
// whatever the policy says (Spec.MinPeople).
func MinCellSize(ctx context.Context) int {
	if n, ok := ctx.Value(minCellKey{}).(int); ok && n >= 0 {
		return n
	}
	return DefaultMinCellSize
}

// statementContext is the context the aggregate statement itself runs in. PostgreSQL
// row-level security cannot tell an aggregate from a row read and would show an analyst no
// row, so the statement reads as the hub itself (auth.System) once the request's rights
// have been applied in Go: the spec's Access chose the rows (scope.go), and every cell about fewer people
// than its MinCellSize is suppressed before anything leaves Run. Nothing else runs in this
// context; the group's keys (grids, stations …) are resolved as the caller.
func statementContext(ctx context.Context) context.Context {
	return auth.WithPrincipal(ctx, auth.Principal{Subject: auth.FromContext(ctx).Subject, Role: auth.System})
}

// suppress applies the disclosure threshold min to the cells of an aggregate over people:
// every cell about fewer than min people leaves the answer, and the suppressed cells are
// folded into one last cell without keys and without figures (suppressed: true), so an
// answer tells neither which keys were suppressed nor how many. When the folded cells are
// together about fewer than min people (but some), the smallest shown cell is folded too
// (complementary suppression): the total of an ungrouped query minus the shown cells then
// recovers only a union of cells about at least min people. Cells of specs not about people
// are returned as they are.
func suppress(s *Spec, cells []*Group, min int) []*Group {
	if s.People == "" {
		return cells
	}
	shown := make([]*Group, 0, len(cells))
	var hiddenPeople int64
	hidden := 0
	for _, g := range cells {
		if g.people < int64(min) {
			hidden++
			hiddenPeople += g.people
			continue
		}
		shown = append(shown, g)
	}
	if hidden == 0 {
		return cells
	}
	if hiddenPeople > 0 && hiddenPeople < int64(min) && len(shown) > 0 {
		smallest := 0
		for i, g := range shown {
			if g.people < shown[smallest].people {
				smallest = i
			}
		}
		shown = append(shown[:smallest], shown[smallest+1:]...)
	}
	return append(shown, &Group{spec: s, Suppressed: true, keys: map[string]*string{}, measures: map[string]*float64{}})
}
