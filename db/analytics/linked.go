package analytics

import (
	"fmt"

	"civiclink/internal/auth"
)

// touches is one row per record of the four agencies (agency 1 police, 2 mediation, 4 grid
// events, 8 risk items) and person it names (or one row for
// the record alone when it names nobody): police cases with their parties, disputes with
// their parties, grid events with the parties of the case or dispute they were converted
// into, risk items with the parties of the cases and disputes linked to them. Each row
// keeps the record's time, grid and community (of today and of the time) and estate with
// its company and management mode. person_key is the
// person: the HMAC of the identity number (the master person index keeps one record per
// number), else the person's record; household is the person's registered address as
// recorded in the master person index (the people living at one address).
const touches = `(
  SELECT u.agency, u.record_id, u.at, u.grid_id, g.community_id, v.grid_id AS grid_of_time,
    v.community_id AS community_of_time, u.estate_id, e.property_company_id, e.management_mode,
    coalesce(sp.id_number_hmac, int8send(sp.id)) AS person_key,
    nullif(btrim(sp.address), '') AS household
  FROM (
    SELECT 1 AS agency, c.id AS record_id, c.received_at AS at, c.grid_id, c.grid_version_id, c.estate_id, cp.person_id
    FROM police."case" c LEFT JOIN (SELECT DISTINCT case_id, person_id FROM police.case_party) cp ON cp.case_id = c.id
    UNION ALL
    SELECT 2, d.id, d.received_at, d.grid_id, d.grid_version_id, d.estate_id, dp.person_id
    FROM mediation.dispute d LEFT JOIN mediation.dispute_party dp ON dp.dispute_id = d.id
    UNION ALL
    SELECT 4, e.id, e.reported_at, e.grid_id, e.grid_version_id, e.estate_id, ep.person_id
    FROM street.grid_event e LEFT JOIN LATERAL (
      SELECT cp.person_id FROM police.case_party cp WHERE cp.case_id = e.converted_case_id
      UNION SELECT dp.person_id FROM mediation.dispute_party dp WHERE dp.dispute_id = e.converted_dispute_id) ep ON TRUE
    UNION ALL
    SELECT 8, r.id, r.identified_at, r.grid_id, r.grid_version_id, r.estate_id, rp.person_id
    FROM risk.risk_item r LEFT JOIN LATERAL (
      SELECT cp.person_id FROM risk.risk_link l JOIN police.case_party cp ON cp.case_id = l.case_id WHERE l.risk_item_id = r.id
      UNION SELECT dp.person_id FROM risk.risk_link l JOIN mediation.dispute_party dp ON dp.dispute_id = l.dispute_id WHERE l.risk_item_id = r.id) rp ON TRUE
  ) u
  LEFT JOIN street.person sp ON sp.id = u.person_id
  LEFT JOIN street.grid g ON g.id = u.grid_id
  LEFT JOIN street.grid_version v ON v.id = u.grid_version_id
  LEFT JOIN street.estate e ON e.id = u.estate_id
) t`

// policeAndMediation are the agency bits of police (1) and mediation (2).
const policeAndMediation = 1 | 2

// multi counts the distinct units of link (person, household, estate) whose agencies within
// the cell satisfy cond over t.<link>_agencies and t.<link>_mask.
func multi(key, cond string) string {
	return "count(DISTINCT " + key + ") FILTER (WHERE " + cond + ")"
}

// CrossAgency follows persons, households and estates across the four agencies (mediation,
// police, grid events, risk items): per cell (grid, community, estate, time bucket …), how
// many of them records of two or more agencies touched, in one statement (Spec.Links). It
// never names them; a cell about fewer than five people (each person once, each record that
// names nobody once) is suppressed like any other. Only analysts, street staff and
// administrators ask it, as aggregates.
var CrossAgency = &Spec{
	Name:      "crossAgencyStats",
	Access:    Access{Aggregates: []string{auth.Analyst, auth.StreetStaff, auth.Admin}},
	From:      touches,
	LocalTime: localTime("t.at"),
	People:    "count(DISTINCT coalesce(t.person_key, int8send(t.agency) || int8send(t.record_id)))",
	Agency:    "t.agency",
	Links: []Link{
		{Name: "person", Key: "t.person_key"},
		{Name: "household", Key: "t.household"},
		{Name: "estate", Key: "t.estate_id"},
	},
	Dimensions: map[string]Dimension{
		"GRID":             {SQL: "t.grid_id", Ref: "Grid", EventTime: "t.grid_of_time"},
		"COMMUNITY":        {SQL: "t.community_id", Ref: "Community", EventTime: "t.community_of_time"},
		"ESTATE":           {SQL: "t.estate_id", Ref: "Estate"},
		"PROPERTY_COMPANY": {SQL: "t.property_company_id", Ref: "PropertyCompany"},
		"MANAGEMENT_MODE":  {SQL: "t.management_mode"},
	},
	Measures: []Measure{
		{Name: "people", SQL: "count(DISTINCT t.person_key)"},
		{Name: "peopleMultiAgency", SQL: multi("t.person_key", "t.person_agencies >= 2")},
		{Name: "peopleMediationAndPolice", SQL: multi("t.person_key", fmt.Sprintf("t.person_mask & %d = %[1]d", policeAndMediation))},
		{Name: "households", SQL: "count(DISTINCT t.household)"},
		{Name: "householdsMultiAgency", SQL: multi("t.household", "t.household_agencies >= 2")},
		{Name: "estates", SQL: "count(DISTINCT t.estate_id)"},
		{Name: "estatesMultiAgency", SQL: multi("t.estate_id", "t.estate_agencies >= 2")},
		{Name: "estatesAllAgencies", SQL: multi("t.estate_id", "t.estate_agencies = 4")},
	},
}
