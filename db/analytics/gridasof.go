package analytics

// Grouping by the grid of the time. Every case, grid event, dispute and risk item keeps the
// grid version it belonged to when it happened (grid_version_id), which no redraw rewrites,
// while grid_id follows the redraws to today's grid. With gridAsOf EVENT_TIME the GRID and
// COMMUNITY keys come from that version, so a redraw leaves every past figure where it was.

// GridAsOfEventTime is the GridAsOf value that groups by the grid of the time.
const GridAsOfEventTime = "EVENT_TIME"

// gridOfTime is the grid of the row's grid version.
const gridOfTime = "(SELECT v.grid_id FROM street.grid_version v WHERE v.id = t.grid_version_id)"

// communityOfTime is the community the row's grid was in at the time.
const communityOfTime = "(SELECT v.community_id FROM street.grid_version v WHERE v.id = t.grid_version_id)"

// sql is the dimension's expression for the grid choice gridAsOf.
func (d Dimension) sql(gridAsOf *string) string {
	if gridAsOf != nil && *gridAsOf == GridAsOfEventTime && d.EventTime != "" {
		return d.EventTime
	}
	return d.SQL
}
