package street

import (
	"civiclink/db/loaders"
	"civiclink/db/statuslog"
	"civiclink/db/store"
)

// Tables of the street schema.
var (
	Communities         = store.NewTable[Community]("street.community")
	Grids               = store.NewTable[Grid]("street.grid")
	Persons             = store.NewTable[Person]("street.person")
	GridWorkers         = store.NewTable[GridWorker]("street.grid_worker")
	PropertyCompanies   = store.NewTable[PropertyCompany]("street.property_company")
	Estates             = store.NewTable[Estate]("street.estate")
	AllianceMemberships = store.NewTable[AllianceMembership]("street.alliance_membership")
	GridEvents          = store.NewTable[GridEvent]("street.grid_event")
	GridEventLog        = statuslog.New("street.grid_event_status_log")
)

// Relations of the street schema, each served by a per-request batch loader.
var (
	CommunityByID       = loaders.ByID(Communities, (*Community).Key)
	GridByID            = loaders.ByID(Grids, (*Grid).Key)
	PersonByID          = loaders.ByID(Persons, (*Person).Key)
	GridWorkerByID      = loaders.ByID(GridWorkers, (*GridWorker).Key)
	PropertyCompanyByID = loaders.ByID(PropertyCompanies, (*PropertyCompany).Key)
	EstateByID          = loaders.ByID(Estates, (*Estate).Key)
	GridEventByID       = loaders.ByID(GridEvents, (*GridEvent).Key)
	MembershipByID      = loaders.ByID(AllianceMemberships, (*AllianceMembership).Key)

	GridsOfCommunity         = loaders.Children(Grids, "community_id", "t.code", func(g *Grid) int64 { return g.CommunityID })
	EstatesOfGrid            = loaders.Children(Estates, "grid_id", "t.name, t.id", func(e *Estate) int64 { return e.GridID })
	EstatesOfCompany         = loaders.Children(Estates, "property_company_id", "t.name, t.id", func(e *Estate) int64 { return *e.PropertyCompanyID })
	WorkersOfGrid            = loaders.Children(GridWorkers, "grid_id", "t.post, t.id", func(w *GridWorker) int64 { return w.GridID })
	PostsOfPerson            = loaders.Children(GridWorkers, "person_id", "t.active_from, t.id", func(w *GridWorker) int64 { return w.PersonID })
	MembershipsOfCompany     = loaders.Children(AllianceMemberships, "property_company_id", "t.joined_on, t.id", func(m *AllianceMembership) int64 { return m.PropertyCompanyID })
	EventsConvertedToCase    = loaders.Children(GridEvents, "converted_case_id", "t.id", func(e *GridEvent) int64 { return *e.ConvertedCaseID })
	EventsConvertedToDispute = loaders.Children(GridEvents, "converted_dispute_id", "t.id", func(e *GridEvent) int64 { return *e.ConvertedDisputeID })

	EstatePagesOfCommunity = loaders.ChildPages(Estates, "community_id")
	PersonPagesOfGrid      = loaders.ChildPages(Persons, "grid_id")
	EventPagesOfGrid       = loaders.ChildPages(GridEvents, "grid_id")
)
