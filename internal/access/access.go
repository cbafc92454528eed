// Package access decides which rows each role may see, following the role table of the
// domain design. Each scoped table has one Rule; db/store adds the rule's condition to every
// read of the table, so no resolver can forget it, and the same rules are enforced again by
// PostgreSQL row-level security (migration 00040) in case Go ever gets it wrong.
package access

import (
	"context"
	"fmt"
	"slices"

	"civiclink/db/store"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"

	"github.com/jackc/pgx/v5"
)

// Rule renders the condition under which a row of a table, under alias a, is visible to p.
// It returns ok=false when p may see no row of the table at all, and sql="" when every row
// is visible.
type Rule func(p auth.Principal, a string) (sql string, args []any, ok bool)

func all(auth.Principal, string) (string, []any, bool) { return "", nil, true }

// byRole builds a rule from one rule per role; roles not listed see nothing. SYSTEM sees
// everything.
func byRole(rules map[string]Rule) Rule {
	return func(p auth.Principal, a string) (string, []any, bool) {
		if p.Role == auth.System {
			return "", nil, true
		}
		r, ok := rules[p.Role]
		if !ok {
			return "", nil, false
		}
		return r(p, a)
	}
}

// where returns a rule with a fixed SQL condition over the alias, written with %[1]s for
// the alias and ? for values.
func where(format string, args func(p auth.Principal) []any) Rule {
	return func(p auth.Principal, a string) (string, []any, bool) {
		var vals []any
		if args != nil {
			vals = args(p)
		}
		return fmt.Sprintf(format, a), vals, true
	}
}

// Through makes a child table visible when its parent row is: parentTable aliased afresh,
// joined on parent.id = a.fk.
func Through(parentTable, fk string, parent Rule) Rule {
	return func(p auth.Principal, a string) (string, []any, bool) {
		alias := a + "_p"
		sql, args, ok := parent(p, alias)
		if !ok {
			return "", nil, false
		}
		if sql == "" {
			return "", nil, true
		}
		return fmt.Sprintf("EXISTS (SELECT 1 FROM %s %s WHERE %s.id = %s.%s AND (%s))", parentTable, alias, alias, a, fk, sql), args, true
	}
}

// only restricts a rule to some roles.
func only(rule Rule, roles ...string) Rule {
	return func(p auth.Principal, a string) (string, []any, bool) {
		if p.Role != auth.System && !p.Is(roles...) {
			return "", nil, false
		}
		return rule(p, a)
	}
}

func grids(p auth.Principal) []any    { return []any{nonNil(p.Scope.GridIDs)} }
func station(p auth.Principal) []any  { return []any{p.Scope.StationID} }
func officer(p auth.Principal) []any  { return []any{p.Scope.OfficerID} }
func mediator(p auth.Principal) []any { return []any{p.Scope.MediatorID} }

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// Policy returns the store policy enforcing rule on a table.
func Policy(rule Rule) store.Policy {
	return func(ctx context.Context) (store.Conds, bool) {
		sql, args, ok := rule(auth.FromContext(ctx), "t")
		if !ok {
			return nil, false
		}
		if sql == "" {
			return nil, true
		}
		return store.Conds{store.Raw(sql, args...)}, true
	}
}

// Visible renders rule as a standalone check that row id of table is visible to p, for
// mutations to refuse work on rows outside the caller's scope.
func Visible(p auth.Principal, table string, rule Rule) (string, []any, bool) {
	sql, args, ok := rule(p, "v")
	if !ok {
		return "", nil, false
	}
	if sql == "" {
		sql = "TRUE"
	}
	// The row id is the last value; '?' placeholders are numbered by the caller.
	return fmt.Sprintf("SELECT EXISTS (SELECT 1 FROM %s v WHERE (%s) AND v.id = ?)", table, sql), args, true
}

// Mutations lists, for each mutation, the roles that may run it; anything else is refused
// with FORBIDDEN before any data is read.
var Mutations = map[string][]string{
	"registerCase":                 {auth.PoliceOfficer},
	"advanceCase":                  {auth.PoliceOfficer},
	"referCaseToMediation":         {auth.PoliceOfficer},
	"addCaseParty":                 {auth.PoliceOfficer},
	"correctCaseParty":             {auth.PoliceOfficer},
	"reportGridEvent":              {auth.GridWorker, auth.StreetStaff},
	"advanceGridEvent":             {auth.GridWorker, auth.StreetStaff},
	"convertGridEvent":             {auth.GridWorker, auth.StreetStaff},
	"registerDispute":              {auth.Mediator, auth.StreetStaff},
	"advanceDispute":               {auth.Mediator, auth.StreetStaff},
	"assignMediator":               {auth.Mediator, auth.StreetStaff},
	"recordMediationSession":       {auth.Mediator},
	"recordAgreement":              {auth.Mediator, auth.StreetStaff},
	"recordFollowUp":               {auth.Mediator, auth.StreetStaff},
	"applyForJudicialConfirmation": {auth.Mediator, auth.StreetStaff},
	"openAssessment":               {auth.StreetStaff},
	"advanceAssessment":            {auth.StreetStaff},
	"addRiskItem":                  {auth.StreetStaff, auth.GridWorker, auth.Mediator},
	"rateRiskItem":                 {auth.StreetStaff},
	"advanceRiskItem":              {auth.StreetStaff},
	"linkRiskItem":                 {auth.StreetStaff},
	"addMeasure":                   {auth.StreetStaff},
	"advanceMeasure":               {auth.StreetStaff},
	"createProgram":                {auth.StreetStaff},
	"applyForBenefit":              {auth.StreetStaff, auth.PoliceOfficer},
	"advanceBenefitGrant":          {auth.StreetStaff},
	"openSurvey":                   {auth.StreetStaff},
	"submitSurveyResponse":         {auth.PoliceOfficer},
	"publishRule":                  {auth.Admin},
	"redrawGrid":                   {auth.Admin},
}

// ForbiddenError refuses a mutation outside the caller's role or scope.
type ForbiddenError struct{ Message string }

func (e *ForbiddenError) Error() string { return e.Message }

// ErrorCode is the GraphQL extensions.code of a refusal.
func (e *ForbiddenError) ErrorCode() string { return apierr.Forbidden }

// MayMutate refuses op unless p's role may run it.
func MayMutate(p auth.Principal, op string) error {
	roles, ok := Mutations[op]
	if !ok || !p.Is(roles...) {
		return &ForbiddenError{Message: fmt.Sprintf("a %s may not %s", roleName(p.Role), op)}
	}
	return nil
}

// OwnGrid refuses, with FORBIDDEN naming field, a grid worker's work in a grid outside
// their own; every other role passes (their scope is checked by their rules).
func OwnGrid(p auth.Principal, field string, grid int64) error {
	if p.Role == auth.GridWorker && !slices.Contains(p.Scope.GridIDs, grid) {
		return &ForbiddenError{Message: field + ": outside your grids"}
	}
	return nil
}

func roleName(role string) string {
	if role == "" {
		return "caller without credentials"
	}
	return role
}

// Querier is the part of a transaction InScope needs.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// InScope refuses, with FORBIDDEN naming field, a mutation on row id of table that the
// caller may not see under rule. A row that does not exist passes: the mutation reports it.
func InScope(ctx context.Context, q Querier, field, table string, rule Rule, id int64) error {
	p := auth.FromContext(ctx)
	sql, args, ok := Visible(p, table, rule)
	if !ok {
		return &ForbiddenError{Message: fmt.Sprintf("%s: outside your scope", field)}
	}
	var b store.Binder
	check, err := b.Render(store.Raw("SELECT ("+sql+"), hub.row_exists(?::regclass, ?)", append(args, id, table, id)...))
	if err != nil {
		return fmt.Errorf("check scope of %s: %w", field, err)
	}
	var visible, exists bool
	if err := q.QueryRow(ctx, check, b.Args()...).Scan(&visible, &exists); err != nil {
		return fmt.Errorf("check scope of %s: %w", field, err)
	}
	if exists && !visible {
		return &ForbiddenError{Message: fmt.Sprintf("%s: outside your scope", field)}
	}
	return nil
}
