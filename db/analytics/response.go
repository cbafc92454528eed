package analytics

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"civiclink/db/store"
	"civiclink/internal/access"
	"civiclink/internal/auth"
)

// minutes is the number of minutes (fractional) from instant a to instant b.
func minutes(a, b string) string {
	return fmt.Sprintf("(extract(epoch FROM (%s) - (%s)) / 60.0)", b, a)
}

// owesResponse holds for a row whose response is due by the as-of day: answered, or still
// open with its deadline passed by the end of that day. A row closed unanswered (a cancelled
// event, a declined dispute) owed none.
const owesResponse = "t.responded_at IS NOT NULL OR (t.closed_at IS NULL AND t.deadline_minutes IS NOT NULL AND " +
	"t.started_at + make_interval(mins => t.deadline_minutes) < ((t.as_of + 1)::timestamp AT TIME ZONE '" + Zone + "'))"

// answeredInTime holds for a row answered within the deadline of the rule in force when its
// clock started.
const answeredInTime = "t.responded_at IS NOT NULL AND t.minutes_to_respond <= t.deadline_minutes"

// Responses aggregates the response to everything that owes one (hub.response: police cases
// until on the scene, grid events until a grid worker handles them, disputes until the
// committee accepts them) by the moment its clock started. The deadline of each row is that
// of its rule (CASE_ON_SCENE, GRID_EVENT_RESPONSE_<urgency>, DISPUTE_FIRST_CONTACT) in force
// at that moment, so a new version of a rule changes the shares from its validity on.
var Responses = &Spec{
	Name:    "responseStats",
	Access:  Access{Rule: responseRule, Aggregates: []string{auth.Analyst}},
	Windows: []string{"from", "to"},
	From:    "hub.response t LEFT JOIN hub.rule r ON r.code = t.rule_code AND r.valid_from <= t.started_at AND (r.valid_to IS NULL OR r.valid_to > t.started_at)",
	Extra: []string{
		"r.deadline_minutes",
		minutes("t.started_at", "t.dispatched_at") + " AS minutes_to_dispatch",
		minutes("t.started_at", "t.responded_at") + " AS minutes_to_respond",
	},
	LocalTime: localTime("t.started_at"),
	People:    "count(*)",
	Dimensions: map[string]Dimension{
		"WORKFLOW":    {SQL: "t.workflow"},
		"URGENCY":     {SQL: "t.urgency"},
		"GRID":        {SQL: "t.grid_id", Ref: "Grid", EventTime: gridOfTime},
		"COMMUNITY":   {SQL: communityOfGrid, Ref: "Community", EventTime: communityOfTime},
		"STATION":     {SQL: "t.station_id", Ref: "Station"},
		"HOUR_OF_DAY": {SQL: "extract(hour FROM " + localTime("t.started_at") + ")::int"},
	},
	Measures: join([]Measure{
		{Name: "answered", SQL: countIf("t.responded_at IS NOT NULL")},
		{Name: "late", SQL: countIf("(" + owesResponse + ") AND NOT (" + answeredInTime + ")")},
		{Name: "shareWithinDeadline", SQL: shareOf(answeredInTime, owesResponse)},
		{Name: "deadlineMinutes", SQL: "avg(t.deadline_minutes)"},
		{Name: "medianMinutesToDispatch", SQL: median("t.minutes_to_dispatch")},
		{Name: "p90MinutesToDispatch", SQL: p90("t.minutes_to_dispatch")},
	}, durations("MinutesToRespond", "t.minutes_to_respond")),
}

// responseSources are the records behind hub.response, each with its table's row rule.
var responseSources = []struct {
	workflow, table string
	rule            access.Rule
}{
	{"CASE", `police."case"`, access.Cases},
	{"GRID_EVENT", "street.grid_event", access.GridEvents},
	{"DISPUTE", "mediation.dispute", access.Disputes},
}

// responseRule is the row rule of hub.response: a row is aggregated by a role with row access
// when the role may read the case, grid event or dispute behind it.
func responseRule(p auth.Principal, alias string) (string, []any, bool) {
	var parts []string
	var args []any
	for _, src := range responseSources {
		sql, a, ok := src.rule(p, "r")
		if !ok {
			continue
		}
		part := fmt.Sprintf("%s.workflow = '%s'", alias, src.workflow)
		if sql != "" {
			part = fmt.Sprintf("(%s AND EXISTS (SELECT 1 FROM %s r WHERE r.id = %s.id AND (%s)))", part, src.table, alias, sql)
		}
		parts = append(parts, part)
		args = append(args, a...)
	}
	if len(parts) == 0 {
		return "", nil, false
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, true
}

// ResponseStatsFilter selects the records of responseStats.
type ResponseStatsFilter struct {
	Workflow  []string
	Urgency   []string
	GridID    *string
	StationID *string
	From      *time.Time
	To        *time.Time
}

// Conds translates the filter over hub.response (alias t).
func (f *ResponseStatsFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).In("workflow", f.Workflow).In("urgency", f.Urgency).
		Ref("gridId", "grid_id", "Grid", f.GridID).Ref("stationId", "station_id", "Station", f.StationID).
		Range("started_at", f.From, f.To).Done()
}

// Workflow is the WORKFLOW key (CASE, GRID_EVENT, DISPUTE).
func (g *Group) Workflow() *string { return g.keys["WORKFLOW"] }

// HourOfDay is the HOUR_OF_DAY key, 0-23 in Asia/Shanghai.
func (g *Group) HourOfDay() (*int, error) {
	v := g.keys["HOUR_OF_DAY"]
	if v == nil {
		return nil, nil
	}
	h, err := strconv.Atoi(*v)
	if err != nil {
		return nil, fmt.Errorf("analytics: hour %q: %w", *v, err)
	}
	return &h, nil
}

// Answered is the answered measure: rows answered (on the scene, handled, accepted).
func (g *Group) Answered() *int { return g.intMeasure("answered") }

// Late is the late measure: rows answered after their deadline or still unanswered past it.
func (g *Group) Late() *int { return g.intMeasure("late") }

// ShareWithinDeadline is the share of the rows owing a response by the as-of day that were
// answered within their rule's deadline; null when none owed one or suppressed.
func (g *Group) ShareWithinDeadline() *float64 { return g.measures["shareWithinDeadline"] }

// DeadlineMinutes is the average deadline of the rules in force over the group's rows.
func (g *Group) DeadlineMinutes() *float64 { return g.measures["deadlineMinutes"] }

// MedianMinutesToDispatch is the median of the minutes to dispatch.
func (g *Group) MedianMinutesToDispatch() *float64 { return g.measures["medianMinutesToDispatch"] }

// P90MinutesToDispatch is the 90th percentile of the minutes to dispatch.
func (g *Group) P90MinutesToDispatch() *float64 { return g.measures["p90MinutesToDispatch"] }

// AvgMinutesToRespond is the average of the minutes to the response.
func (g *Group) AvgMinutesToRespond() *float64 { return g.measures["avgMinutesToRespond"] }

// MedianMinutesToRespond is the median of the minutes to the response.
func (g *Group) MedianMinutesToRespond() *float64 { return g.measures["medianMinutesToRespond"] }

// P90MinutesToRespond is the 90th percentile of the minutes to the response.
func (g *Group) P90MinutesToRespond() *float64 { return g.measures["p90MinutesToRespond"] }
