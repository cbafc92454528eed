package resolvers

import (
	"context"
	"fmt"
	"strings"

	"civiclink/internal/apierr"
	"civiclink/internal/auth"

	"github.com/99designs/gqlgen/graphql"
)

// statsFor names, for each row type an analyst may not read row by row, the aggregates that
// answer the analyst's questions about it, most relevant first.
var statsFor = map[string][]string{
	"Case":             {"caseStats", "responseStats", "crossAgencyStats"},
	"CaseParty":        {"caseStats", "crossAgencyStats"},
	"Officer":          {"caseStats", "responseStats"},
	"Dispute":          {"disputeStats", "overdueAgreementStats", "crossAgencyStats"},
	"DisputeParty":     {"disputeStats", "crossAgencyStats"},
	"DisputeMediator":  {"disputeStats"},
	"MediationSession": {"disputeStats"},
	"Agreement":        {"overdueAgreementStats", "disputeStats"},
	"FollowUp":         {"overdueAgreementStats", "disputeStats"},
	"GridEvent":        {"gridEventStats", "responseStats", "crossAgencyStats"},
	"Person":           {"crossAgencyStats"},
	"BenefitGrant":     {"benefitGrantStats"},
	"Assessment":       {"riskItemStats"},
	"RiskItem":         {"riskItemStats", "crossAgencyStats"},
	"Measure":          {"riskItemStats"},
	"UrgentItem":       {"responseStats"},
	"WorkflowEvent":    {"caseStats", "disputeStats", "gridEventStats", "riskItemStats", "responseStats"},
}

// allStats is the hint for a row type without an entry in statsFor.
var allStats = []string{"caseStats", "disputeStats", "gridEventStats", "riskItemStats", "benefitGrantStats",
	"surveyResponseStats", "responseStats", "crossAgencyStats", "overdueAgreementStats"}

// aggregatesOnly is the one check that refuses an analyst a row list or a single row: every
// root list (rootList), single-row lookup (lookup, node, nodes) and the urgent queue call it
// with the rule saying whether the caller may read any row of what they return, asked of
// analysts only (other roles' requests pay nothing for it). An analyst who may not gets
// FORBIDDEN with a hint naming the *Stats fields that answer the question, rather than an
// empty list with totalCount 0 or a null that says nothing. Other roles are unaffected: what
// their row rules hide stays hidden as before.
func aggregatesOnly(ctx context.Context, typeName string, readable func(context.Context) bool) error {
	if auth.FromContext(ctx).Role != auth.Analyst || readable(ctx) {
		return nil
	}
	return rowsForbidden(ctx, typeName)
}

// resultType is the GraphQL type name the field of ctx returns ("" outside a field).
func resultType(ctx context.Context) string {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil && fc.Field.Definition != nil {
		return fc.Field.Definition.Type.Name()
	}
	return ""
}

// rowsForbidden is the refusal of aggregatesOnly.
func rowsForbidden(ctx context.Context, typeName string) error {
	typeName = strings.TrimSuffix(typeName, "Connection")
	stats, ok := statsFor[typeName]
	if !ok {
		stats = allStats
	}
	field := typeName
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
		field = fc.Field.Name
	}
	hint := "ask " + strings.Join(stats, " or ") + " instead"
	return &apierr.Coded{
		Code: apierr.Forbidden,
		Message: fmt.Sprintf("%s returns %s records, which an %s sees only as aggregates: %s",
			field, typeName, auth.Analyst, hint),
		Extensions: map[string]any{"hint": hint, "aggregates": stats},
	}
}

// AggregatesOnly is the handler extension that applies aggregatesOnly to every field, at any
// depth, not only to the root lists and lookups: a field an analyst selects under a readable
// record (a grid's events, a station's officers, a mediator's person, a *Stats group's grid
// and what lies below it), a subscription's root field (workflowEvents, whose events all
// concern records, and urgentQueue), and the list an export runs, all refuse an analyst with the same FORBIDDEN and hint as the root lists when the
// field returns records (a row type, a connection or list of them) the analyst may not read.
// Install it with Use on the GraphQL server, outside any extension that renders subtrees
// itself (fastpath): the check runs before the field's resolver, so no row is read.
type AggregatesOnly struct{}

// ExtensionName implements graphql.HandlerExtension.
func (AggregatesOnly) ExtensionName() string { return "AggregatesOnly" }

// Validate implements graphql.HandlerExtension.
func (AggregatesOnly) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField implements graphql.FieldInterceptor: for an analyst, a field returning
// records the analyst may not read is refused before it resolves; every other request and
// field resolves as it would.
func (AggregatesOnly) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if auth.FromContext(ctx).Role != auth.Analyst {
		return next(ctx)
	}
	if typeName := resultType(ctx); typeName != "" {
		if readable, ok := rowType(typeName); ok {
			if err := aggregatesOnly(ctx, typeName, readable); err != nil {
				return nil, err
			}
		}
	}
	return next(ctx)
}

// eventsReadable reports whether the request may read any record a workflow event can concern
// (the types of eventSubjects): the events of the others never reach it.
func eventsReadable(ctx context.Context) bool {
	for typeName := range eventSubjects {
		if nodeTypes[typeName].readable(ctx) {
			return true
		}
	}
	return false
}

// rowType reports whether the GraphQL type typeName (a record type, or a connection of one)
// holds records, with the rule saying whether the request may read any of them.
func rowType(typeName string) (func(context.Context) bool, bool) {
	typeName = strings.TrimSuffix(typeName, "Connection")
	switch typeName {
	case "UrgentItem":
		return urgentReadable, true
	case "WorkflowEvent":
		return eventsReadable, true
	}
	if nt, ok := nodeTypes[typeName]; ok {
		return nt.readable, true
	}
	return nil, false
}
