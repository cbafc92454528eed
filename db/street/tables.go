package street

import (
	"civiclink/db/loaders"
	"civiclink/db/statuslog"
	"civiclink/db/store"
	"civiclink/internal/access"
)

// Tables of the street schema.
var (
	Communities         = store.NewTable[Community]("street.community").WithPolicy(access.Policy(access.Reference))
	Grids               = store.NewTable[Grid]("street.grid").WithPolicy(access.Policy(access.Reference))
	Persons             = store.NewTable[Person]("street.person").WithPolicy(access.Policy(access.Persons))
	GridWorkers         = store.NewTable[GridWorker]("street.grid_worker").WithPolicy(access.Policy(access.Reference))
	PropertyCompanies   = store.NewTable[PropertyCompany]("street.property_company").WithPolicy(access.Policy(access.Reference))
	Estates             = store.NewTable[Estate]("street.estate").WithPolicy(access.Policy(access.Reference))
	AllianceMemberships = store.NewTable[AllianceMembership]("street.alliance_membership").WithPolicy(access.Policy(access.Reference))
	GridEvents          = store.NewTable[GridEvent]("street.grid_event").WithPolicy(access.Policy(access.GridEvents))
	GridEventLog        = statuslog.New("street.grid_event_status_log", access.Policy(access.Through("street.grid_event", "entity_id", access.GridEvents)))
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
