// Package analytics answers the BI questions of the street office with aggregates: one generic,
// safe builder turns a Spec (a table, its groupable dimensions and its measures, all trusted Go
// strings) plus a client's filter, group-by keys and time bucket into one GROUP BY statement.
// Every value is a bound parameter; dimension and measure SQL comes only from the Go whitelists
// in specs.go. Each role aggregates only the rows the role table lets it (scope.go); cells over
// people are suppressed below the disclosure threshold and folded into one keyless cell, with
// complementary suppression against the total (disclosure.go).
//
// Time buckets are computed in Asia/Shanghai local time (UTC+8, no daylight saving), the time
// of the street office and of the seeded data: a MONTH bucket is a calendar month as the
// office sees it, not a UTC month.
package analytics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"civiclink/db/store"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
)

// Zone is the time zone in which time buckets are cut (see the package documentation): the
// office's, from package clock.
const Zone = clock.ZoneName

// MaxGroups is the most groups one aggregate returns; a query that would return more is
// refused with an input error asking for a narrower filter or a coarser bucket.
const MaxGroups = 5000

// Bucket is a time bucket of an aggregate: the date_trunc unit and the label format.
type Bucket struct {
	unit  string
	label string
}

// Buckets are the TimeBucket enum values.
var Buckets = map[string]Bucket{
	"DAY":     {unit: "day", label: "YYYY-MM-DD"},
	"WEEK":    {unit: "week", label: `IYYY-"W"IW`},
	"MONTH":   {unit: "month", label: "YYYY-MM"},
	"QUARTER": {unit: "quarter", label: `YYYY-"Q"Q`},
	"YEAR":    {unit: "year", label: "YYYY"},
}

// Dimension is a key an aggregate can group by.
type Dimension struct {
	// SQL is a trusted expression over the spec's FROM (alias t), evaluated per row.
	SQL string
	// Ref names the entity type when the key is a primary key (Grid, Station …), for
	// resolving it; empty for enum-valued keys.
	Ref string
	// EventTime, when set, is the expression grouping by the grid of the time of the row
	// (Query.GridAsOf EVENT_TIME, see gridasof.go) instead of SQL, today's grid.
	EventTime string
}

// Measure is one figure of a group.
type Measure struct {
	// Name is the GraphQL field of the group.
	Name string
	// SQL is a trusted aggregate expression over the rows of a group (alias t), where the
	// row-level Extra columns of the spec and t.as_of (the as-of day) are available.
	SQL string
}

// Spec describes one aggregatable list.
type Spec struct {
	// Name is the GraphQL field, for errors and logs.
	Name string
	// From is a trusted FROM clause whose main table has alias t (filters apply to t).
	From string
	// Rows, when set, is a trusted condition every row must meet (over t and the joins of
	// From, with p.as_of the as-of day): what the spec counts at all.
	Rows string
	// Extra are trusted row-level "expression AS name" columns that measures and
	// dimensions of the outer query may use as t.name.
	Extra []string
	// LocalTime is the trusted expression of the row's time, as a local timestamp
	// (timestamp without time zone in Zone).
	LocalTime string
	// People is a trusted aggregate counting the people a group is about; empty when the
	// rows are not about people (no suppression applies).
	People string
	// MinPeople is a floor under the request's disclosure policy for this spec: survey
	// answers are never shown over fewer than five respondents, whoever asks.
	MinPeople int
	// Dimensions are the group-by keys, by GroupBy enum value.
	Dimensions map[string]Dimension
	// Measures are the figures of each group, in order.
	Measures []Measure
	// Access says which roles aggregate which rows of the table (scope.go).
	Access Access
	// RowFilters are the GraphQL names of filter fields that single out one person or
	// record (leadOfficerId, officerId …): refused for roles without row access.
	RowFilters []string
	// Windows are the GraphQL names of DateTime filter bounds: for roles without row access
	// they must be local midnights.
	Windows []string
	// Links, when set, are the units the spec follows across agencies (persons, households,
	// estates). The statement then reduces the rows of each cell to one row per unit, with
	// t.mask the Agency bits of the cell's rows naming it, and those to one row per cell and
	// link (see linked); the measures are over the latter: t.link is i+1 for the units of
	// Links[i], with t.rows the number of the cell's rows and t.unlinked those naming no unit
	// (on the row of the first link only, 0 on the others), and the UnitCounts as t.<name>.
	Links []Link
	// UnitCounts are the figures of the units of one link of a cell, by name: trusted
	// conditions over a unit's t.mask (its agency bits), "" for every unit; each is the
	// column t.<name>, the number of the cell's units that meet it, that measures sum.
	UnitCounts []Measure
	// Agency is the trusted row-level expression of the bit (1, 2, 4, 8 …) of the agency a
	// row comes from; used with Links.
	Agency string
	// UnitFloor, when set, is a trusted condition over t with one '?' for the disclosure
	// threshold, true when the row's disclosure unit (a survey round) is about at least that
	// many people: rows of smaller units are left out of every cell and every total, so no
	// combination of filters recovers them.
	UnitFloor string
}

// Link is a unit followed across agencies by a spec (Spec.Links).
type Link struct {
	// Name prefixes the row-level columns t.<Name>_agencies and t.<Name>_mask.
	Name string
	// Key is the trusted row-level expression of the unit a row names (null for none).
	Key string
	// Where, when set, is a trusted condition on the rows that count for the link (one row
	// per record when the unit is the record's own, like its estate).
	Where string
}

// Filter is a client's filter of an aggregate (a *<Type>Filter, nil when none).
type Filter interface {
	Conds() (store.Conds, error)
}

// Query is what a client asks of an aggregate.
type Query struct {
	// Filter is the client's filter; its conditions apply, and it is checked against the
	// spec's RowFilters and Windows for roles without row access.
	Filter Filter
	// Where are further trusted conditions over t.
	Where   store.Conds
	GroupBy []string
	Bucket  *string
	AsOf    *time.Time
	// GridAsOf is EVENT_TIME to group grids and communities by the grid version of the
	// time of each row, CURRENT (or nil) by today's grid.
	GridAsOf *string
}

// statement is a built aggregate.
type statement struct {
	sql  string
	args []any
	dims []string
}

// build renders the one statement of an aggregate. Identifiers and expressions come from the
// spec only; the filter's values and the as-of day (q.AsOf, the zero date when nil: Run sets
// it to the office's today) are bound parameters.
func (s *Spec) build(q Query) (*statement, error) {
	var asOf time.Time
	if q.AsOf != nil {
		asOf = *q.AsOf
	}
	st := &statement{args: []any{asOf}}
	seen := map[string]bool{}
	for _, key := range q.GroupBy {
		if _, ok := s.Dimensions[key]; !ok {
			return nil, &store.InputError{Field: "groupBy", Message: fmt.Sprintf("%s cannot be grouped by %s", s.Name, key)}
		}
		if seen[key] {
			return nil, &store.InputError{Field: "groupBy", Message: "groupBy lists " + key + " twice"}
		}
		seen[key] = true
		st.dims = append(st.dims, key)
	}
	var bucket *Bucket
	if q.Bucket != nil {
		b, ok := Buckets[*q.Bucket]
		if !ok {
			return nil, &store.InputError{Field: "timeBucket", Message: "unknown time bucket " + *q.Bucket}
		}
		bucket = &b
	}

	// Inner query: the filtered rows with their row-level columns and grouping keys.
	inner := []string{"t.*", "p.as_of"}
	inner = append(inner, s.Extra...)
	if bucket != nil {
		inner = append(inner, fmt.Sprintf("date_trunc('%s', %s) AS bucket_local", bucket.unit, s.LocalTime))
	}
	for i, key := range st.dims {
		inner = append(inner, fmt.Sprintf("(%s) AS dim_%d", s.Dimensions[key].sql(q.GridAsOf), i))
	}
	where, err := st.where(q.Where)
	if err != nil {
		return nil, err
	}
	if s.Rows != "" {
		where += " AND (" + s.Rows + ")"
	}

	// Outer query: one row per group, keys first, then the people count and the measures.
	var outer, group []string
	if bucket != nil {
		outer = append(outer, fmt.Sprintf("t.bucket_local AT TIME ZONE '%s'", Zone), fmt.Sprintf("to_char(t.bucket_local, '%s')", bucket.label))
		group = append(group, "t.bucket_local")
	}
	for i := range st.dims {
		outer = append(outer, fmt.Sprintf("t.dim_%d::text", i))
		group = append(group, fmt.Sprintf("t.dim_%d", i))
	}
	people := "NULL::bigint"
	if s.People != "" {
		people = s.People
	}
	count := "count(*)"
	if len(s.Links) > 0 {
		count = "sum(t.rows) FILTER (WHERE t.link = 1)"
	}
	outer = append(outer, "("+people+")::bigint", "coalesce("+count+", 0)::bigint")
	for _, m := range s.Measures {
		outer = append(outer, "("+m.SQL+")::float8")
	}
	rows := fmt.Sprintf("(SELECT %s FROM %s CROSS JOIN (SELECT $1::date AS as_of) p WHERE %s) t", strings.Join(inner, ", "), s.From, where)
	var sb strings.Builder
	if len(s.Links) > 0 {
		fmt.Fprintf(&sb, "WITH r AS NOT MATERIALIZED (SELECT * FROM %s) ", rows)
		rows = s.linked(group)
	}
	fmt.Fprintf(&sb, "SELECT %s FROM %s", strings.Join(outer, ", "), rows)
	if len(group) > 0 {
		fmt.Fprintf(&sb, " GROUP BY %s ORDER BY %s", strings.Join(group, ", "), strings.Join(nullsLast(group), ", "))
	}
	fmt.Fprintf(&sb, " LIMIT %d", MaxGroups+1)
	st.sql = sb.String()
	return st, nil
}

// linked reduces the filtered rows r (with their group columns) to the rows the measures of
// s.Links count: per cell and link one row, with the UnitCounts over the link's units, each
// unit with the Agency bits of the cell's rows naming it (t.mask). The first link's branch
// also counts the cell's rows and those naming none of its units (its null unit). Each branch
// is two hash aggregates over r, so a cell's units are counted without sorting the rows or a
// window per unit, in one statement.
func (s *Spec) linked(group []string) string {
	by := func(cols []string) string {
		if len(cols) == 0 {
			return "()"
		}
		return strings.Join(cols, ", ")
	}
	cols := ""
	if len(group) > 0 {
		cols = strings.Join(group, ", ") + ", "
	}
	branches := make([]string, len(s.Links))
	for i, l := range s.Links {
		var where []string
		rows, unlinked := "0", "0"
		if i == 0 {
			rows, unlinked = "sum(t.n)", "coalesce(sum(t.n) FILTER (WHERE t.unit IS NULL), 0)"
		} else {
			where = append(where, "("+l.Key+") IS NOT NULL")
		}
		if l.Where != "" {
			where = append(where, "("+l.Where+")")
		}
		cond := ""
		if len(where) > 0 {
			cond = " WHERE " + strings.Join(where, " AND ")
		}
		counts := ""
		for _, c := range s.UnitCounts {
			f := "t.unit IS NOT NULL"
			if c.SQL != "" {
				f += " AND " + c.SQL
			}
			counts += fmt.Sprintf(", count(*) FILTER (WHERE %s) AS %s", f, c.Name)
		}
		perUnit := fmt.Sprintf("SELECT %s(%s) AS unit, bit_or(%s) AS mask, count(*) AS n FROM r t%s GROUP BY %s",
			cols, l.Key, s.Agency, cond, by(append(slices.Clone(group), "("+l.Key+")")))
		branches[i] = fmt.Sprintf("SELECT %s%d AS link, %s AS rows, %s AS unlinked%s FROM (%s) t GROUP BY %s",
			cols, i+1, rows, unlinked, counts, perUnit, by(group))
	}
	return "(" + strings.Join(branches, " UNION ALL ") + ") t"
}

func nullsLast(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c + " NULLS LAST"
	}
	return out
}

// where renders the conditions (over alias t, '?' for each value) with numbered
// placeholders after the ones already bound.
func (st *statement) where(cs store.Conds) (string, error) {
	b := store.NewBinder(st.args...)
	sql, err := b.Where(cs)
	if err != nil {
		return "", fmt.Errorf("analytics: %w", err)
	}
	st.args = b.Args()
	return sql, nil
}

// Run computes the aggregate q of spec s in one statement over the rows the request's role
// may aggregate, and applies the disclosure policy of ctx to every cell: a role that may not
// aggregate the table, or that sees it as aggregates only and filters on one person or a
// window finer than whole days, is refused.
func Run(ctx context.Context, db store.Querier, s *Spec, q Query) ([]*Group, error) {
	scope, err := s.scope(auth.FromContext(ctx))
	if err != nil {
		return nil, err
	}
	if !scope.RowAccess {
		if err := s.checkFilter(q.Filter); err != nil {
			return nil, err
		}
	}
	minCell := max(MinCellSize(ctx), s.MinPeople)
	where := append(store.Conds{}, q.Where...)
	if q.Filter != nil {
		conds, err := q.Filter.Conds()
		if err != nil {
			return nil, err
		}
		where = append(where, conds...)
	}
	where = append(where, scope.Conds...)
	if s.UnitFloor != "" {
		where = append(where, store.Raw(s.UnitFloor, minCell))
	}
	q.Where = where
	if q.AsOf == nil {
		today := clock.Today(ctx)
		q.AsOf = &today
	}
	st, err := s.build(q)
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(statementContext(ctx), st.sql, st.args...)
	if err != nil {
		return nil, fmt.Errorf("aggregate %s: %w", s.Name, err)
	}
	defer rows.Close()
	var out []*Group
	for rows.Next() {
		g := &Group{spec: s, keys: make(map[string]*string, len(st.dims)), measures: make(map[string]*float64, len(s.Measures))}
		var people *int64
		var count int64
		vals := make([]*float64, len(s.Measures))
		dims := make([]*string, len(st.dims))
		dest := make([]any, 0, 4+len(dims)+len(vals))
		if q.Bucket != nil {
			dest = append(dest, &g.Bucket, &g.BucketLabel)
		}
		for i := range dims {
			dest = append(dest, &dims[i])
		}
		dest = append(dest, &people, &count)
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("aggregate %s: scan: %w", s.Name, err)
		}
		for i, key := range st.dims {
			g.keys[key] = dims[i]
		}
		n := int(count)
		g.count = &n
		for i, m := range s.Measures {
			g.measures[m.Name] = vals[i]
		}
		if s.People != "" && people != nil {
			g.people = *people
		} else {
			g.people = -1
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("aggregate %s: %w", s.Name, err)
	}
	if len(out) > MaxGroups {
		return nil, &store.InputError{Field: "groupBy", Message: fmt.Sprintf("more than %d groups: narrow the filter, group by fewer keys or use a coarser time bucket", MaxGroups)}
	}
	return suppress(s, out, minCell), nil
}
