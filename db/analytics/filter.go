package analytics

import "civiclink/db/store"

// SurveyResponseStatsFilter selects the survey answers an aggregate covers.
type SurveyResponseStatsFilter struct {
	StationID *string
	Period    []string
}

// Conds translates the filter; s is the survey of each answer t.
func (f *SurveyResponseStatsFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).RefWhere("stationId", "Station", f.StationID, "s.station_id = ?").
		Cond(f.Period != nil, store.Raw("s.period = ANY(?)", f.Period)).Done()
}
