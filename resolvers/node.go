package resolvers

import (
	"context"
	"errors"
	"fmt"

	"civiclink/db/hub"
	"civiclink/db/loaders"
	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/relay"
	"civiclink/db/risk"
	"civiclink/db/rules"
	"civiclink/db/street"
	"civiclink/db/welfare"
	"civiclink/internal/apierr"
	"civiclink/internal/globalid"

	"github.com/99designs/gqlgen/graphql"
)

// nodeLoader loads the nodes of one type.
type nodeLoader struct {
	// thunk queues the load of one node and returns a function that waits for it.
	thunk func(ctx context.Context, id int64) func() (relay.Node, error)
	// fetch reads the nodes with the given ids at once, in one statement, for later thunks.
	fetch func(ctx context.Context, ids []int64) error
	// readable reports whether the request may see any node of the type.
	readable func(ctx context.Context) bool
}

// nodeOf adapts a by-ID relation to the Node interface.
func nodeOf[T any, PT interface {
	*T
	relay.Node
}](rel *loaders.ByIDRelation[T]) nodeLoader {
	return nodeLoader{
		thunk: func(ctx context.Context, id int64) func() (relay.Node, error) {
			th := rel.Thunk(ctx, id)
			return func() (relay.Node, error) {
				v, err := th()
				if err != nil {
					return nil, err
				}
				return PT(v), nil
			}
		},
		fetch: func(ctx context.Context, ids []int64) error {
			_, err := rel.Fetch(ctx, ids)
			return err
		},
		readable: rel.Readable,
	}
}

// nodeTypes maps each GraphQL type name that implements Node to its loader.
var nodeTypes = map[string]nodeLoader{
	"Community":          nodeOf(street.CommunityByID),
	"Grid":               nodeOf(street.GridByID),
	"Person":             nodeOf(street.PersonByID),
	"GridWorker":         nodeOf(street.GridWorkerByID),
	"PropertyCompany":    nodeOf(street.PropertyCompanyByID),
	"Estate":             nodeOf(street.EstateByID),
	"AllianceMembership": nodeOf(street.MembershipByID),
	"GridEvent":          nodeOf(street.GridEventByID),
	"Station":            nodeOf(police.StationByID),
	"Officer":            nodeOf(police.OfficerByID),
	"OfficerGrid":        nodeOf(police.OfficerGridByID),
	"Case":               nodeOf(police.CaseByID),
	"CaseParty":          nodeOf(police.CasePartyByID),
	"Program":            nodeOf(welfare.ProgramByID),
	"BenefitGrant":       nodeOf(welfare.BenefitGrantByID),
	"Survey":             nodeOf(welfare.SurveyByID),
	"Committee":          nodeOf(mediation.CommitteeByID),
	"Mediator":           nodeOf(mediation.MediatorByID),
	"Dispute":            nodeOf(mediation.DisputeByID),
	"DisputeParty":       nodeOf(mediation.DisputePartyByID),
	"DisputeMediator":    nodeOf(mediation.DisputeMediatorByID),
	"MediationSession":   nodeOf(mediation.SessionByID),
	"Agreement":          nodeOf(mediation.AgreementByID),
	"FollowUp":           nodeOf(mediation.FollowUpByID),
	"Assessment":         nodeOf(risk.AssessmentByID),
	"RiskItem":           nodeOf(risk.RiskItemByID),
	"Measure":            nodeOf(risk.MeasureByID),
	"AccessLogEntry":     nodeOf(hub.AccessLogEntryByID),
	"Rule":               nodeOf(rules.ByID),
	"GridRedraw":         nodeOf(street.GridRedrawByID),
}

// MaxNodes is the most IDs one nodes(ids:) call may ask for.
const MaxNodes = 500

// nodeKey is a decoded global ID.
type nodeKey struct {
	typeName string
	pk       int64
	loader   nodeLoader
}

// decodeNode decodes a global ID of a type that implements Node.
func decodeNode(field, id string) (nodeKey, error) {
	typeName, pk, err := globalid.Decode(id)
	if err != nil {
		return nodeKey{}, apierr.BadInput(field, "%v", err) // never echo the value: a caller may paste personal data
	}
	loader, ok := nodeTypes[typeName]
	if !ok {
		return nodeKey{}, apierr.BadInput(field, "%v", globalid.ErrInvalid)
	}
	return nodeKey{typeName: typeName, pk: pk, loader: loader}, nil
}

func (r *queryResolver) node(ctx context.Context, id string) (relay.Node, error) {
	k, err := decodeNode("id", id)
	if err != nil {
		return nil, err
	}
	n, err := loadNodes(ctx, []nodeKey{k})
	if err != nil {
		return nil, err
	}
	if n[0] == nil {
		return nil, apierr.NotFoundError("node " + id)
	}
	return n[0], nil
}

func (r *queryResolver) nodes(ctx context.Context, ids []string) ([]relay.Node, error) {
	if len(ids) > MaxNodes {
		return nil, apierr.BadInput("ids", "at most %d IDs at once", MaxNodes)
	}
	keys := make([]nodeKey, len(ids))
	for i, id := range ids {
		k, err := decodeNode(fmt.Sprintf("ids[%d]", i), id)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return loadNodes(ctx, keys)
}

// loadNodes reads the nodes of each type in one statement, at once (the keys are every
// parent of this level), then what the query selects below them; unknown or invisible ones
// are nil.
func loadNodes(ctx context.Context, keys []nodeKey) ([]relay.Node, error) {
	byType := map[string][]int64{}
	var types []string
	for _, k := range keys {
		if _, ok := byType[k.typeName]; !ok {
			types = append(types, k.typeName)
		}
		byType[k.typeName] = append(byType[k.typeName], k.pk)
	}
	for _, typeName := range types {
		if err := aggregatesOnly(ctx, typeName, nodeTypes[typeName].readable); err != nil {
			return nil, err
		}
	}
	for _, typeName := range types {
		if err := nodeTypes[typeName].fetch(ctx, byType[typeName]); err != nil {
			return nil, err
		}
	}
	out := make([]relay.Node, len(keys))
	rows := map[string][]any{}
	for i, k := range keys {
		n, err := k.loader.thunk(ctx, k.pk)()
		if errors.Is(err, apierr.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = n
		rows[k.typeName] = append(rows[k.typeName], n)
	}
	sel := graphql.GetFieldContext(ctx).Field.Selections
	for _, typeName := range types {
		if err := prefetchRows(ctx, typeName, rows[typeName], sel); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// linkedRiskItems returns the risk items linked to a case, dispute or grid event.
func linkedRiskItems(ctx context.Context, links *loaders.ChildrenRelation[risk.Link], parent int64) ([]*risk.RiskItem, error) {
	list, err := links.Load(ctx, parent)
	if err != nil {
		return nil, err
	}
	return via(ctx, list, func(l *risk.Link) *int64 { return &l.RiskItemID }, risk.RiskItemByID)
}

// linkTargets returns what a risk item is linked to: cases, disputes and grid events, in
// link order, loading each kind in one batch.
func linkTargets(ctx context.Context, item int64) ([]relay.Node, error) {
	links, err := risk.LinksOfItem.Load(ctx, item)
	if err != nil {
		return nil, err
	}
	thunks := make([]func() (relay.Node, error), 0, len(links))
	for _, l := range links {
		switch {
		case l.CaseID != nil:
			thunks = append(thunks, nodeTypes["Case"].thunk(ctx, *l.CaseID))
		case l.DisputeID != nil:
			thunks = append(thunks, nodeTypes["Dispute"].thunk(ctx, *l.DisputeID))
		case l.GridEventID != nil:
			thunks = append(thunks, nodeTypes["GridEvent"].thunk(ctx, *l.GridEventID))
		}
	}
	return awaitVisible(thunks)
}

// surveySummary returns the aggregate of a survey round.
func surveySummary(ctx context.Context, survey int64) (*welfare.SurveySummary, error) {
	s, err := welfare.SummaryOfSurvey.LoadOne(ctx, survey)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("survey %d has no summary row", survey)
	}
	return s, nil
}
