package police

import (
	"civiclink/db/loaders"
	"civiclink/db/statuslog"
	"civiclink/db/store"
	"civiclink/internal/access"
)

// Tables of the police schema.
var (
	Stations           = store.NewTable[Station]("police.station").WithPolicy(access.Policy(access.Reference))
	StationCommunities = store.NewTable[StationCommunity]("police.station_community").WithPolicy(access.Policy(access.Reference))
	Officers           = store.NewTable[Officer]("police.officer").WithPolicy(access.Policy(access.Officers))
	OfficerGrids       = store.NewTable[OfficerGrid]("police.officer_grid").WithPolicy(access.Policy(access.Reference))
	Cases              = store.NewTable[Case](`police."case"`).WithPolicy(access.Policy(access.Cases))
	CaseParties        = store.NewTable[CaseParty]("police.case_party").WithPolicy(access.Policy(access.CaseParties))
	CaseLog            = statuslog.New("police.case_status_log", access.Policy(access.Through(`police."case"`, "entity_id", access.Cases)))
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
