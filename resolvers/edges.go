package resolvers

import (
	"context"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/risk"
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/db/welfare"

	"github.com/99designs/gqlgen/graphql"
)

// edges lists, by GraphQL type and field, the fields that level loads follow (see
// prefetch.go): each is the same relation and key as the field's resolver, which then finds
// its rows already read.
var edges = map[string]map[string]edge{
	"Program": {
		"grants": pagesOf[welfare.Program, welfare.BenefitGrantFilter](welfare.GrantPagesOfProgram, welfare.BenefitGrantOrderColumns),
	},
	"Community": {
		"estates": pagesOf[street.Community, street.EstateFilter](street.EstatePagesOfCommunity, street.EstateOrderColumns),
	},
	"Station": {
		"officers": pagesOf[police.Station, police.OfficerFilter](police.OfficerPagesOfStation, police.OfficerOrderColumns),
		"cases":    pagesOf[police.Station, police.CaseFilter](police.CasePagesOfStation, police.CaseOrderColumns),
		"surveys":  pagesOf[police.Station, welfare.SurveyFilter](welfare.SurveyPagesOfStation, welfare.SurveyOrderColumns),
	},
	"Dispute": {
		"committee":    refTo(mediation.CommitteeByID, func(d *mediation.Dispute) int64 { return d.CommitteeID }),
		"referredCase": optRefTo(police.CaseByID, func(d *mediation.Dispute) *int64 { return d.ReferredCaseID }),
		"gridEvent":    optRefTo(street.GridEventByID, func(d *mediation.Dispute) *int64 { return d.GridEventID }),
		"grid":         optRefTo(street.GridByID, func(d *mediation.Dispute) *int64 { return d.GridID }),
		"estate":       optRefTo(street.EstateByID, func(d *mediation.Dispute) *int64 { return d.EstateID }),
		"agreement":    oneChildOf[mediation.Dispute](mediation.AgreementOfDispute),
		"parties":      childrenOf[mediation.Dispute](mediation.PartiesOfDispute),
	},
	"DisputeParty": {
		"dispute": refTo(mediation.DisputeByID, func(p *mediation.DisputeParty) int64 { return p.DisputeID }),
	},
	"Agreement": {
		"followUps": childrenOf[mediation.Agreement](mediation.FollowUpsOfAgreement),
	},
	"Committee": {
		"disputes":  pagesOf[mediation.Committee, mediation.DisputeFilter](mediation.DisputePagesOfCommittee, mediation.DisputeOrderColumns),
		"community": optRefTo(street.CommunityByID, func(c *mediation.Committee) *int64 { return c.CommunityID }),
		"station":   optRefTo(police.StationByID, func(c *mediation.Committee) *int64 { return c.StationID }),
	},
	"Grid": {
		"persons":     pagesOf[street.Grid, street.PersonFilter](street.PersonPagesOfGrid, street.PersonOrderColumns),
		"cases":       pagesOf[street.Grid, police.CaseFilter](police.CasePagesOfGrid, police.CaseOrderColumns),
		"disputes":    pagesOf[street.Grid, mediation.DisputeFilter](mediation.DisputePagesOfGrid, mediation.DisputeOrderColumns),
		"events":      pagesOf[street.Grid, street.GridEventFilter](street.EventPagesOfGrid, street.GridEventOrderColumns),
		"riskItems":   pagesOf[street.Grid, risk.RiskItemFilter](risk.ItemPagesOfGrid, risk.RiskItemOrderColumns),
		"assessments": pagesOf[street.Grid, risk.AssessmentFilter](risk.AssessmentPagesOfGrid, risk.AssessmentOrderColumns),
		"community":   filledRef(street.CommunityByID, func(g *street.Grid) int64 { return g.CommunityID }, func(g *street.Grid) *store.Ref[street.Community] { return &g.CommunityRef }),
	},
	"Person": {
		"grid":                optRefTo(street.GridByID, func(p *street.Person) *int64 { return p.GridID }),
		"caseInvolvements":    childrenOf[street.Person](police.InvolvementsOfPerson),
		"disputeInvolvements": childrenOf[street.Person](mediation.InvolvementsOfPerson),
	},
	"Case": {
		"station":     refTo(police.StationByID, func(c *police.Case) int64 { return c.StationID }),
		"grid":        optRefTo(street.GridByID, func(c *police.Case) *int64 { return c.GridID }),
		"estate":      optRefTo(street.EstateByID, func(c *police.Case) *int64 { return c.EstateID }),
		"leadOfficer": optRefTo(police.OfficerByID, func(c *police.Case) *int64 { return c.LeadOfficerID }),
		"parties":     childrenOf[police.Case](police.PartiesOfCase),
	},
	"CaseParty": {
		"case":   refTo(police.CaseByID, func(p *police.CaseParty) int64 { return p.CaseID }),
		"person": refTo(street.PersonByID, func(p *police.CaseParty) int64 { return p.PersonID }),
	},
	"Officer": {
		"cases":         pagesOf[police.Officer, police.CaseFilter](police.CasePagesOfOfficer, police.CaseOrderColumns),
		"station":       refTo(police.StationByID, func(o *police.Officer) int64 { return o.StationID }),
		"benefitGrants": childrenOf[police.Officer](welfare.GrantsOfOfficer),
	},
	"BenefitGrant": {
		"program": filledRef(welfare.ProgramByID, func(g *welfare.BenefitGrant) int64 { return g.ProgramID }, func(g *welfare.BenefitGrant) *store.Ref[welfare.Program] { return &g.ProgramRef }),
		"officer": refTo(police.OfficerByID, func(g *welfare.BenefitGrant) int64 { return g.OfficerID }),
	},
	"Survey": {
		"station": refTo(police.StationByID, func(s *welfare.Survey) int64 { return s.StationID }),
		"summary": oneChildOf[welfare.Survey](welfare.SummaryOfSurvey),
	},
	"RiskItem": {
		"assessment": optRefTo(risk.AssessmentByID, func(i *risk.RiskItem) *int64 { return i.AssessmentID }),
		"measures":   childrenOf[risk.RiskItem](risk.MeasuresOfItem),
		"links":      riskLinks{},
	},
}

// riskLinks follows a risk item's links to the cases, disputes and grid events they name,
// as linkTargets reads them: the links in one statement, then each kind of target in one.
type riskLinks struct{}

// linkTargetEdges are the three kinds of target a link may name.
var linkTargetEdges = []edge{
	optRefTo(police.CaseByID, func(l *risk.Link) *int64 { return l.CaseID }),
	optRefTo(mediation.DisputeByID, func(l *risk.Link) *int64 { return l.DisputeID }),
	optRefTo(street.GridEventByID, func(l *risk.Link) *int64 { return l.GridEventID }),
}

func (riskLinks) follow(ctx context.Context, f graphql.CollectedField, parents []any) ([]any, error) {
	links, err := childrenOf[risk.RiskItem](risk.LinksOfItem).follow(ctx, f, parents)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, target := range linkTargetEdges {
		rows, err := target.follow(ctx, f, links)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}
