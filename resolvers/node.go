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
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/db/welfare"
	"civiclink/internal/apierr"
	"civiclink/internal/globalid"
)

// nodeThunk queues the load of one node and returns a function that waits for it.
type nodeThunk func(ctx context.Context, id int64) func() (relay.Node, error)

// nodeOf adapts a by-ID relation to the Node interface.
func nodeOf[T any, PT interface {
	*T
	relay.Node
}](rel *loaders.ByIDRelation[T]) nodeThunk {
	return func(ctx context.Context, id int64) func() (relay.Node, error) {
		th := rel.Thunk(ctx, id)
		return func() (relay.Node, error) {
			v, err := th()
			if err != nil {
				return nil, err
			}
			return PT(v), nil
		}
	}
}

// nodeTypes maps each GraphQL type name that implements Node to its loader.
var nodeTypes = map[string]nodeThunk{
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
}

// MaxNodes is the most IDs one nodes(ids:) call may ask for.
const MaxNodes = 500

// nodeThunkFor decodes a global ID and queues its load.
func nodeThunkFor(ctx context.Context, field, id string) (func() (relay.Node, error), error) {
	typeName, pk, err := globalid.Decode(id)
	if err != nil {
		return nil, apierr.BadInput(field, "%q %v", id, err)
	}
	load, ok := nodeTypes[typeName]
	if !ok {
		return nil, apierr.BadInput(field, "%q %v", id, globalid.ErrInvalid)
	}
	return load(ctx, pk), nil
}

func (r *queryResolver) node(ctx context.Context, id string) (relay.Node, error) {
	th, err := nodeThunkFor(ctx, "id", id)
	if err != nil {
		return nil, err
	}
	n, err := th()
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.NotFoundError("node " + id)
	}
	return n, err
}

func (r *queryResolver) nodes(ctx context.Context, ids []string) ([]relay.Node, error) {
	if len(ids) > MaxNodes {
		return nil, apierr.BadInput("ids", "at most %d IDs at once", MaxNodes)
	}
	thunks := make([]func() (relay.Node, error), len(ids))
	for i, id := range ids {
		th, err := nodeThunkFor(ctx, fmt.Sprintf("ids[%d]", i), id)
		if err != nil {
			return nil, err
		}
		thunks[i] = th
	}
	out := make([]relay.Node, len(ids))
	for i, th := range thunks {
		n, err := th()
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = n
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
			thunks = append(thunks, nodeTypes["Case"](ctx, *l.CaseID))
		case l.DisputeID != nil:
			thunks = append(thunks, nodeTypes["Dispute"](ctx, *l.DisputeID))
		case l.GridEventID != nil:
			thunks = append(thunks, nodeTypes["GridEvent"](ctx, *l.GridEventID))
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
