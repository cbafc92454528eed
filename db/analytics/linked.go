package analytics

import (
	"fmt"

	"civiclink/internal/auth"
)

// touches are the rows crossAgencyStats counts: hub.agency_touch, one row per record of the
// four agencies (agency 1 police, 2 mediation, 4 grid events, 8 risk items) and person it
// names (or one row for the record alone when it names nobody), kept by triggers in the
// write transactions (migration 00340): police cases with their parties, disputes with their
// parties, grid events with the parties of the case or dispute they were converted into,
// risk items with the parties of the cases and disputes linked to them. Each row keeps the
// record's time and local time, its grid and community of today and of the time and its
// estate; the join gives the estate's company and management mode (and is left out by the
// planner when a query groups by neither). person_id is the person (the master person index keeps one
// record per identity number); household_id the person's registered address.
const touches = `hub.agency_touch t LEFT JOIN street.estate e ON e.id = t.estate_id`

// policeAndMediation are the agency bits of police (1) and mediation (2).
const policeAndMediation = 1 | 2

// The links of CrossAgency, by their t.link number in its measures (Spec.Links).
const (
	linkPerson = iota + 1
	linkHousehold
	linkEstate
)

// units sums the unit count name (of CrossAgency.UnitCounts) of link over the cell; 0 when
// no row of the cell names a unit of link (the first link has a row for every cell).
func units(link int, name string) string {
	return fmt.Sprintf("coalesce(sum(t.%s) FILTER (WHERE t.link = %d), 0)", name, link)
}

// agencies is the number of agencies of a unit's mask.
const agencies = "bit_count(t.mask::int::bit(16))"

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
	LocalTime: "t.local_at",
	People:    units(linkPerson, "units") + " + " + units(linkPerson, "unlinked"),
	Agency:    "t.agency",
	Links: []Link{
		{Name: "person", Key: "t.person_id"},
		{Name: "household", Key: "t.household_id"},
		{Name: "estate", Key: "t.estate_id", Where: "t.record_first"},
	},
	Dimensions: map[string]Dimension{
		"GRID":             {SQL: "t.grid_id", Ref: "Grid", EventTime: "t.grid_of_time"},
		"COMMUNITY":        {SQL: "t.community_id", Ref: "Community", EventTime: "t.community_of_time"},
		"ESTATE":           {SQL: "t.estate_id", Ref: "Estate"},
		"PROPERTY_COMPANY": {SQL: "e.property_company_id", Ref: "PropertyCompany"},
		"MANAGEMENT_MODE":  {SQL: "e.management_mode"},
	},
	// Per cell and link: the units, those touched by two or more agencies, by both police and
	// mediation, and by all four.
	UnitCounts: []Measure{
		{Name: "units"},
		{Name: "multi", SQL: agencies + " >= 2"},
		{Name: "police_mediation", SQL: fmt.Sprintf("t.mask & %d = %[1]d", policeAndMediation)},
		{Name: "all_agencies", SQL: agencies + " = 4"},
	},
	Measures: []Measure{
		{Name: "people", SQL: units(linkPerson, "units")},
		{Name: "peopleMultiAgency", SQL: units(linkPerson, "multi")},
		{Name: "peopleMediationAndPolice", SQL: units(linkPerson, "police_mediation")},
		{Name: "households", SQL: units(linkHousehold, "units")},
		{Name: "householdsMultiAgency", SQL: units(linkHousehold, "multi")},
		{Name: "estates", SQL: units(linkEstate, "units")},
		{Name: "estatesMultiAgency", SQL: units(linkEstate, "multi")},
		{Name: "estatesAllAgencies", SQL: units(linkEstate, "all_agencies")},
	},
}
