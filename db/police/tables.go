package police

import (
	"civiclink/db/loaders"
	"civiclink/db/statuslog"
	"civiclink/db/store"
)

// Tables of the police schema.
var (
	Stations           = store.NewTable[Station]("police.station")
	StationCommunities = store.NewTable[StationCommunity]("police.station_community")
	Officers           = store.NewTable[Officer]("police.officer")
	OfficerGrids       = store.NewTable[OfficerGrid]("police.officer_grid")
	Cases              = store.NewTable[Case](`police."case"`)
	CaseParties        = store.NewTable[CaseParty]("police.case_party")
	CaseLog            = statuslog.New("police.case_status_log")
)

// Relations of the police schema, each served by a per-request batch loader.
var (
	StationByID     = loaders.ByID(Stations, (*Station).Key)
	OfficerByID     = loaders.ByID(Officers, (*Officer).Key)
	CaseByID        = loaders.ByID(Cases, (*Case).Key)
	OfficerGridByID = loaders.ByID(OfficerGrids, (*OfficerGrid).Key)
	CasePartyByID   = loaders.ByID(CaseParties, (*CaseParty).Key)

	CommunitiesOfStation = loaders.Children(StationCommunities, "station_id", "t.community_id", func(s *StationCommunity) int64 { return s.StationID })
	StationsOfCommunity  = loaders.Children(StationCommunities, "community_id", "t.station_id", func(s *StationCommunity) int64 { return s.CommunityID })
	GridsOfOfficer       = loaders.Children(OfficerGrids, "officer_id", "t.id", func(o *OfficerGrid) int64 { return o.OfficerID })
	OfficersOfGrid       = loaders.Children(OfficerGrids, "grid_id", "t.role, t.id", func(o *OfficerGrid) int64 { return o.GridID })
	PartiesOfCase        = loaders.Children(CaseParties, "case_id", "t.id", func(p *CaseParty) int64 { return p.CaseID })
	InvolvementsOfPerson = loaders.Children(CaseParties, "person_id", "t.id", func(p *CaseParty) int64 { return p.PersonID })

	OfficerPagesOfStation = loaders.ChildPages(Officers, "station_id")
	CasePagesOfStation    = loaders.ChildPages(Cases, "station_id")
	CasePagesOfGrid       = loaders.ChildPages(Cases, "grid_id")
	CasePagesOfOfficer    = loaders.ChildPages(Cases, "lead_officer_id")
)
