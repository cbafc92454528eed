package analytics

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"civiclink/db/store"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
)

// Scope is how the rows of one spec's table are aggregated for a role, following the role
// table of the domain design (the letter A: aggregates only).
type Scope struct {
	// Conds limit the rows to those the role may aggregate (over alias t); none for all.
	Conds store.Conds
	// RowAccess is true when the role reads these rows anyway (its row rule chose them), so
	// any filter is fine; false when it sees aggregates only, and a filter narrower than a
	// cell is refused (see Spec.RowFilters and Spec.Windows).
	RowAccess bool
}

// Access says who aggregates a spec's table and how: the roles in Aggregates aggregate every
// row without reading any (the role table's A), every other role aggregates the rows its
// row rule Rule lets it read, and a role Rule gives no row (or a nil Rule) may not aggregate
// the table at all.
type Access struct {
	// Rule is the table's row rule (internal/access), applied to alias t; nil when no role
	// reads the rows (survey answers).
	Rule access.Rule
	// Aggregates are the roles that see the table as aggregates only.
	Aggregates []string
}

// scope decides the rows spec s aggregates for the request, or refuses with FORBIDDEN.
func (s *Spec) scope(p auth.Principal) (Scope, error) {
	if p.Role == auth.System {
		return Scope{RowAccess: true}, nil
	}
	if slices.Contains(s.Access.Aggregates, p.Role) {
		return Scope{}, nil
	}
	if s.Access.Rule != nil {
		if sql, args, ok := s.Access.Rule(p, "t"); ok {
			sc := Scope{RowAccess: true}
			if sql != "" {
				sc.Conds = store.Conds{store.Raw(sql, args...)}
			}
			return sc, nil
		}
	}
	return Scope{}, &access.ForbiddenError{Message: fmt.Sprintf("a %s may not aggregate %s", roleName(p.Role), s.Name)}
}

func roleName(role string) string {
	if role == "" {
		return "caller without credentials"
	}
	return role
}

// checkFilter refuses, for a role without row access, a filter narrower than a cell: one
// naming a single person or row (Spec.RowFilters), or a time bound (Spec.Windows) that is
// not a local midnight, since windows cut finer than whole days would let two overlapping
// answers isolate one event. filter is the client's filter struct (a pointer, nil when
// none); its fields are matched to the GraphQL names case-insensitively (leadOfficerId is
// LeadOfficerID).
func (s *Spec) checkFilter(filter any) error {
	v := reflect.ValueOf(filter)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		fv := v.Field(i)
		if fv.IsZero() {
			continue
		}
		if gql, ok := fold(s.RowFilters, name); ok {
			return &access.ForbiddenError{Message: fmt.Sprintf(
				"%s: filter.%s singles out one person or record, which aggregates for your role do not allow; group by a key instead", s.Name, gql)}
		}
		if gql, ok := fold(s.Windows, name); ok {
			t, isTime := reflect.Indirect(fv).Interface().(time.Time)
			if isTime && !isLocalMidnight(t) {
				return &store.InputError{Field: "filter." + gql, Message: fmt.Sprintf(
					"%s: filter.%s must be a local midnight (e.g. 2026-01-01T00:00:00+08:00): aggregates for your role cut time in whole days", s.Name, gql)}
			}
		}
	}
	return nil
}

// fold finds name among the GraphQL names, ignoring case.
func fold(names []string, name string) (string, bool) {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// isLocalMidnight holds when t is 00:00 of a day in Zone.
func isLocalMidnight(t time.Time) bool {
	l := t.In(clock.Office)
	return l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0
}
