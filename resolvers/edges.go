package resolvers

import (
	"context"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/risk"
	"civiclink/db/street"
	"civiclink/db/welfare"
)

// edges lists, by GraphQL type and field, the fields that level loads follow (see
// prefetch.go): each is the same relation and key as the field's resolver, which then finds
// its rows already read.
var edges = map[string]map[string]edge{
	"Dispute": {
		"committee":    refTo(mediation.CommitteeByID, func(d *mediation.Dispute) int64 { return d.CommitteeID }),
		"referredCase": optRefTo(police.CaseByID, func(d *mediation.Dispute) *int64 { return d.ReferredCaseID }),
		"gridEvent":    optRefTo(street.GridEventByID, func(d *mediation.Dispute) *int64 { return d.GridEventID }),
		"grid":         optRefTo(street.GridByID, func(d *mediation.Dispute) *int64 { return d.GridID }),
		"estate":       optRefTo(street.EstateByID, func(d *mediation.Dispute) *int64 { return d.EstateID }),
		"agreement":    childrenOf[mediation.Dispute](mediation.AgreementOfDispute),
		"parties":      childrenOf[mediation.Dispute](mediation.PartiesOfDispute),
	},
	"DisputeParty": {
		"dispute": refTo(mediation.DisputeByID, func(p *mediation.DisputeParty) int64 { return p.DisputeID }),
	},
	"Agreement": {
		"followUps": childrenOf[mediation.Agreement](mediation.FollowUpsOfAgreement),
	},
	"Committee": {
		"community": optRefTo(street.CommunityByID, func(c *mediation.Committee) *int64 { return c.CommunityID }),
		"station":   optRefTo(police.StationByID, func(c *mediation.Committee) *int64 { return c.StationID }),
	},
	"Grid": {
		"community": refTo(street.CommunityByID, func(g *street.Grid) int64 { return g.CommunityID }),
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
		"station":       refTo(police.StationByID, func(o *police.Officer) int64 { return o.StationID }),
		"benefitGrants": childrenOf[police.Officer](welfare.GrantsOfOfficer),
	},
	"BenefitGrant": {
		"program": refTo(welfare.ProgramByID, func(g *welfare.BenefitGrant) int64 { return g.ProgramID }),
		"officer": refTo(police.OfficerByID, func(g *welfare.BenefitGrant) int64 { return g.OfficerID }),
	},
	"Survey": {
		"station": refTo(police.StationByID, func(s *welfare.Survey) int64 { return s.StationID }),
		"summary": childrenOf[welfare.Survey](welfare.SummaryOfSurvey),
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

func (riskLinks) follow(ctx context.Context, parents []any) ([]any, error) {
	links, err := childrenOf[risk.RiskItem](risk.LinksOfItem).follow(ctx, parents)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, target := range linkTargetEdges {
		rows, err := target.follow(ctx, links)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}
