package analytics

import (
	"fmt"

	"civiclink/internal/access"
	"civiclink/internal/auth"
)

// SQL helpers for the trusted measure expressions below.

func countIf(cond string) string { return "count(*) FILTER (WHERE " + cond + ")" }

// share is the fraction of the group's rows where cond holds.
func share(cond string) string { return "avg(CASE WHEN " + cond + " THEN 1.0 ELSE 0.0 END)" }

// shareOf is the fraction of the rows where of holds that also satisfy cond; null when none.
func shareOf(cond, of string) string {
	return fmt.Sprintf("(%s)::float8 / NULLIF(%s, 0)", countIf("("+of+") AND ("+cond+")"), countIf(of))
}

// days is the number of days (fractional) from instant a to instant b.
func days(a, b string) string {
	return fmt.Sprintf("(extract(epoch FROM (%s) - (%s)) / 86400.0)", b, a)
}

func median(x string) string { return "percentile_cont(0.5) WITHIN GROUP (ORDER BY " + x + ")" }
func p90(x string) string    { return "percentile_cont(0.9) WITHIN GROUP (ORDER BY " + x + ")" }

// durations are the average, median and p90 of x, named <prefix>Avg… e.g. avgDaysToClose.
func durations(suffix, x string) []Measure {
	return []Measure{
		{Name: "avg" + suffix, SQL: "avg(" + x + ")"},
		{Name: "median" + suffix, SQL: median(x)},
		{Name: "p90" + suffix, SQL: p90(x)},
	}
}

// localTime converts a timestamptz column to local time in Zone.
func localTime(col string) string { return "(" + col + " AT TIME ZONE '" + Zone + "')" }

// communityOfGrid is the community of the row's grid.
const communityOfGrid = "(SELECT g.community_id FROM street.grid g WHERE g.id = t.grid_id)"

// last30Days holds when instant col falls in the 30 local days ending with the as-of day.
func last30Days(col string) string {
	end := "((p.as_of + 1)::timestamp AT TIME ZONE '" + Zone + "')"
	return fmt.Sprintf("%s >= %s - interval '30 days' AND %s < %s", col, end, col, end)
}

// estateOf is a column of the row's estate (null for rows without one).
func estateOf(col string) string {
	return "(SELECT e." + col + " FROM street.estate e WHERE e.id = t.estate_id)"
}

// allianceMember holds when, on the row's local day (of localTime), the row's estate was
// managed by a company of the property alliance: a membership that began on or before that
// day and had not ended by it (left_on is the first day outside). False for an estate
// without a company (GUARANTEE, SELF_MANAGED), null for a row without an estate.
func allianceMember(localTime string) string {
	day := "(" + localTime + ")::date"
	return "(SELECT EXISTS (SELECT 1 FROM street.alliance_membership am WHERE am.property_company_id = e.property_company_id" +
		" AND am.joined_on <= " + day + " AND (am.left_on IS NULL OR am.left_on > " + day + ")) FROM street.estate e WHERE e.id = t.estate_id)"
}

// estateDimensions are the linking keys of rows that happen at an estate (cases, grid
// events, disputes, risk items), with alliance membership as of the row's day.
func estateDimensions(localTime string) map[string]Dimension {
	return map[string]Dimension{
		"ESTATE":           {SQL: "t.estate_id", Ref: "Estate"},
		"PROPERTY_COMPANY": {SQL: estateOf("property_company_id"), Ref: "PropertyCompany"},
		"MANAGEMENT_MODE":  {SQL: estateOf("management_mode")},
		"ALLIANCE_MEMBER":  {SQL: allianceMember(localTime)},
	}
}

// dimensions merges sets of dimensions.
func dimensions(sets ...map[string]Dimension) map[string]Dimension {
	out := map[string]Dimension{}
	for _, set := range sets {
		for k, d := range set {
			out[k] = d
		}
	}
	return out
}

func join(parts ...[]Measure) []Measure {
	var out []Measure
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Cases aggregates police cases by the day they were received.
var Cases = &Spec{
	Name:       "caseStats",
	Access:     Access{Rule: access.Cases, Aggregates: []string{auth.Analyst}},
	RowFilters: []string{"leadOfficerId"},
	Windows:    []string{"receivedFrom", "receivedTo"},
	From:       `police."case" t`,
	Extra:      []string{"EXISTS (SELECT 1 FROM mediation.dispute d WHERE d.referred_case_id = t.id) AS referred"},
	LocalTime:  localTime("t.received_at"),
	People:     "count(*)",
	Dimensions: dimensions(map[string]Dimension{
		"STATION":   {SQL: "t.station_id", Ref: "Station"},
		"GRID":      {SQL: "t.grid_id", Ref: "Grid", EventTime: gridOfTime},
		"COMMUNITY": {SQL: communityOfGrid, Ref: "Community", EventTime: communityOfTime},
		"KIND":      {SQL: "t.kind"},
		"CATEGORY":  {SQL: "t.category"},
		"SOURCE":    {SQL: "t.source"},
		"STATUS":    {SQL: "t.status"},
	}, estateDimensions(localTime("t.received_at"))),
	Measures: join([]Measure{
		{Name: "nonPolice", SQL: countIf("t.kind = 'NON_POLICE'")},
		{Name: "referred", SQL: countIf("t.referred")},
		{Name: "closed", SQL: countIf("t.closed_at IS NOT NULL")},
		{Name: "shareNonPolice", SQL: share("t.kind = 'NON_POLICE'")},
		{Name: "shareReferred", SQL: share("t.referred")},
		{Name: "shareNonPoliceReferred", SQL: shareOf("t.referred", "t.kind = 'NON_POLICE'")},
	}, durations("DaysToClose", days("t.received_at", "t.closed_at"))),
}

// GridEvents aggregates grid events by the day they were reported.
var GridEvents = &Spec{
	Name:      "gridEventStats",
	Access:    Access{Rule: access.GridEvents, Aggregates: []string{auth.Analyst}},
	Windows:   []string{"reportedFrom", "reportedTo"},
	From:      "street.grid_event t",
	LocalTime: localTime("t.reported_at"),
	People:    "count(*)",
	Dimensions: dimensions(map[string]Dimension{
		"GRID":      {SQL: "t.grid_id", Ref: "Grid", EventTime: gridOfTime},
		"COMMUNITY": {SQL: communityOfGrid, Ref: "Community", EventTime: communityOfTime},
		"CATEGORY":  {SQL: "t.category"},
		"URGENCY":   {SQL: "t.urgency"},
		"STATUS":    {SQL: "t.status"},
	}, estateDimensions(localTime("t.reported_at"))),
	Measures: join([]Measure{
		{Name: "converted", SQL: countIf("t.status = 'CONVERTED'")},
		// Closed means handled to the end (CLOSED); cancelled and converted events also get a
		// closing time but are counted apart, and the durations are over CLOSED ones only.
		{Name: "closed", SQL: countIf("t.status = 'CLOSED'")},
		{Name: "cancelled", SQL: countIf("t.status = 'CANCELLED'")},
		{Name: "shareConverted", SQL: share("t.status = 'CONVERTED'")},
		{Name: "shareConvertedToDispute", SQL: share("t.converted_dispute_id IS NOT NULL")},
		{Name: "shareConvertedToCase", SQL: share("t.converted_case_id IS NOT NULL")},
		{Name: "shareOverdue", SQL: share("t.due_at IS NOT NULL AND coalesce(t.closed_at, (t.as_of + 1)::timestamp AT TIME ZONE '" + Zone + "') > t.due_at")},
	}, durations("DaysToClose", "CASE WHEN t.status = 'CLOSED' THEN "+days("t.reported_at", "t.closed_at")+" END")),
}

// performed holds for a dispute whose agreement was performed.
const performed = "t.status IN ('PERFORMED', 'ARCHIVED')"

// Disputes aggregates mediation disputes by the day they were received.
var Disputes = &Spec{
	Name:       "disputeStats",
	Access:     Access{Rule: access.Disputes, Aggregates: []string{auth.Analyst}},
	RowFilters: []string{"referredCaseId"},
	Windows:    []string{"receivedFrom", "receivedTo"},
	From:       "mediation.dispute t",
	Extra: []string{
		"(SELECT a.signed_at FROM mediation.agreement a WHERE a.dispute_id = t.id) AS agreement_signed_at",
	},
	LocalTime: localTime("t.received_at"),
	People:    "count(*)",
	Dimensions: dimensions(map[string]Dimension{
		"GRID":       {SQL: "t.grid_id", Ref: "Grid", EventTime: gridOfTime},
		"COMMUNITY":  {SQL: communityOfGrid, Ref: "Community", EventTime: communityOfTime},
		"COMMITTEE":  {SQL: "t.committee_id", Ref: "Committee"},
		"SOURCE":     {SQL: "t.source"},
		"CATEGORY":   {SQL: "t.category"},
		"DIFFICULTY": {SQL: "t.difficulty"},
		"STATUS":     {SQL: "t.status"},
		"MEDIATOR_KIND": {SQL: "(SELECT m.kind FROM mediation.dispute_mediator dm JOIN mediation.mediator m ON m.id = dm.mediator_id " +
			"WHERE dm.dispute_id = t.id AND dm.role = 'LEAD')"},
	}, estateDimensions(localTime("t.received_at"))),
	Measures: join([]Measure{
		{Name: "agreed", SQL: countIf("t.agreement_signed_at IS NOT NULL")},
		{Name: "performed", SQL: countIf("t.agreement_signed_at IS NOT NULL AND " + performed)},
		{Name: "failed", SQL: countIf("t.status = 'FAILED'")},
		{Name: "withdrawn", SQL: countIf("t.status IN ('WITHDRAWN', 'DECLINED')")},
		{Name: "pending", SQL: countIf("t.status IN ('RECEIVED', 'ACCEPTED', 'IN_MEDIATION')")},
		{Name: "shareAgreed", SQL: share("t.agreement_signed_at IS NOT NULL")},
		{Name: "sharePerformed", SQL: shareOf(performed, "t.agreement_signed_at IS NOT NULL")},
		{Name: "sumAmount", SQL: "sum(t.amount)"},
		{Name: "avgAmount", SQL: "avg(t.amount)"},
	},
		durations("DaysToAgreement", days("t.received_at", "t.agreement_signed_at")),
		durations("DaysToClose", days("t.received_at", "t.closed_at"))),
}

// overdueMeasure holds for a measure m of the row's risk item that is not done and due, plus
// the days of grace of the MEASURE_OVERDUE rule in force on its due day, before the as-of day.
const overdueMeasure = "m.risk_item_id = t.id AND m.status <> 'DONE' AND m.due_on + hub.rule_days('MEASURE_OVERDUE', m.due_on) < p.as_of"

// RiskItems aggregates risk items by the day they were identified. Risk items are about
// places, not people, so their cells are never suppressed.
var RiskItems = &Spec{
	Name:   "riskItemStats",
	Access: Access{Rule: access.RiskItems, Aggregates: []string{auth.Analyst}},
	From:   "risk.risk_item t",
	Extra: []string{
		"(SELECT count(*) FROM risk.measure m WHERE " + overdueMeasure + ") AS overdue_measures",
		"(SELECT count(DISTINCT l.case_id) FROM risk.risk_link l JOIN police.\"case\" c ON c.id = l.case_id " +
			"WHERE l.risk_item_id = t.id AND " + last30Days("c.received_at") + ") AS cases_last_30_days",
		"(SELECT count(DISTINCT l.dispute_id) FROM risk.risk_link l JOIN mediation.dispute d ON d.id = l.dispute_id " +
			"WHERE l.risk_item_id = t.id AND " + last30Days("d.received_at") + ") AS disputes_last_30_days",
	},
	LocalTime: localTime("t.identified_at"),
	Dimensions: dimensions(map[string]Dimension{
		"GRID":      {SQL: "t.grid_id", Ref: "Grid", EventTime: gridOfTime},
		"COMMUNITY": {SQL: communityOfGrid, Ref: "Community", EventTime: communityOfTime},
		"LEVEL":     {SQL: "t.level"},
		"STATUS":    {SQL: "t.status"},
		"DIMENSION": {SQL: "t.dimension"},
	}, estateDimensions(localTime("t.identified_at"))),
	Measures: []Measure{
		{Name: "withOverdueMeasures", SQL: countIf("t.overdue_measures > 0")},
		{Name: "overdueMeasures", SQL: "sum(t.overdue_measures)"},
		{Name: "linkedCasesLast30Days", SQL: "sum(t.cases_last_30_days)"},
		{Name: "linkedDisputesLast30Days", SQL: "sum(t.disputes_last_30_days)"},
		{Name: "avgScore", SQL: "avg(t.likelihood * t.impact)"},
	},
}

// BenefitGrants aggregates officers' welfare grants by the day they were applied for.
var BenefitGrants = &Spec{
	Name:       "benefitGrantStats",
	Access:     Access{Rule: access.BenefitGrants, Aggregates: []string{auth.Analyst}},
	RowFilters: []string{"officerId"},
	From:       "welfare.benefit_grant t",
	LocalTime:  "t.applied_on::timestamp",
	People:     "count(DISTINCT t.officer_id)",
	Dimensions: map[string]Dimension{
		"STATION":          {SQL: "(SELECT o.station_id FROM police.officer o WHERE o.id = t.officer_id)", Ref: "Station"},
		"PROGRAM":          {SQL: "t.program_id", Ref: "Program"},
		"PROGRAM_CATEGORY": {SQL: "(SELECT pr.category FROM welfare.program pr WHERE pr.id = t.program_id)"},
		"STATUS":           {SQL: "t.status"},
	},
	Measures: join([]Measure{
		{Name: "officers", SQL: "count(DISTINCT t.officer_id)"},
		{Name: "delivered", SQL: countIf("t.status = 'DELIVERED'")},
		{Name: "shareDelivered", SQL: share("t.status = 'DELIVERED'")},
		{Name: "shareRejected", SQL: share("t.status = 'REJECTED'")},
		{Name: "sumAmount", SQL: "sum(t.amount)"},
		{Name: "avgAmount", SQL: "avg(t.amount)"},
	}, durations("DaysToGrant", "(t.granted_on - t.applied_on)")),
}

// surveyStart is the first day of a survey period (2024-05, 2024-Q2 or 2024-H1).
const surveyStart = "make_date(left(s.period, 4)::int, CASE substr(s.period, 6, 1) " +
	"WHEN 'Q' THEN (right(s.period, 1)::int - 1) * 3 + 1 WHEN 'H' THEN (right(s.period, 1)::int - 1) * 6 + 1 " +
	"ELSE right(s.period, 2)::int END, 1)"

// SurveyResponses aggregates the answers of welfare surveys by the start of the survey's
// period. Only aggregates over at least five respondents are ever shown, and a round with
// fewer respondents counts in no cell and no total (UnitFloor), so overlapping period
// filters cannot recover it.
var SurveyResponses = &Spec{
	Name: "surveyResponseStats",
	// Nobody reads survey answers: every role that may see them sees aggregates of whole
	// rounds of at least five respondents.
	Access:    Access{Aggregates: []string{auth.Analyst, auth.StreetStaff, auth.PoliceOfficer, auth.Admin}},
	UnitFloor: "(SELECT count(*) FROM welfare.survey_response r WHERE r.survey_id = t.survey_id) >= ?",
	From:      "welfare.survey_response t JOIN welfare.survey s ON s.id = t.survey_id",
	Extra:     []string{"s.station_id", "s.period AS survey_period"},
	LocalTime: surveyStart + "::timestamp",
	People:    "count(*)",
	MinPeople: DefaultMinCellSize,
	Dimensions: map[string]Dimension{
		"STATION":       {SQL: "s.station_id", Ref: "Station"},
		"SURVEY_PERIOD": {SQL: "s.period"},
	},
	Measures: []Measure{
		{Name: "avgOverall", SQL: "avg(t.overall)"},
		{Name: "avgBelonging", SQL: "avg(t.belonging)"},
		{Name: "avgWorkload", SQL: "avg(t.workload)"},
		{Name: "medianOverall", SQL: median("t.overall")},
		{Name: "shareSatisfied", SQL: share("t.overall >= 4")},
		{Name: "shareBelonging", SQL: share("t.belonging >= 4")},
	},
}
