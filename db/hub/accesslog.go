// Package hub reads the hub's own tables through the GraphQL API: the access log, for
// auditors.
package hub

import (
	"time"

	"civiclink/db/loaders"
	"civiclink/db/relay"
	"civiclink/db/store"
	"civiclink/internal/access"
	"civiclink/internal/globalid"
)

// AccessLogEntryConnection is a page of the access log.
type (
	AccessLogEntryConnection = relay.Connection[*AccessLogEntry]
	AccessLogEntryEdge       = relay.Edge[*AccessLogEntry]
)

// AccessLogEntry is one row of the access log.
type AccessLogEntry struct {
	PK           int64     `db:"id"`
	At           time.Time `db:"at"`
	Subject      string    `db:"subject"`
	Role         string    `db:"role"`
	Purpose      *string   `db:"purpose"`
	Operation    *string   `db:"operation"`
	DocumentHash string    `db:"document_hash"`
	EntityIDs    []string  `db:"entity_ids"`
}

// ID returns the global ID.
func (e *AccessLogEntry) ID() string { return globalid.Encode("AccessLogEntry", e.PK) }

// AccessLog is the table, readable by auditors only.
var AccessLog = store.NewTable[AccessLogEntry]("hub.access_log").WithPolicy(access.Policy(access.AccessLog))

// AccessLogEntryByID loads log rows by key.
var AccessLogEntryByID = loaders.ByID(AccessLog, func(e *AccessLogEntry) int64 { return e.PK })

// AccessLogOrderColumns orders the log.
var AccessLogOrderColumns = map[string]string{"AT": "at"}

// AccessLogFilter selects rows: who looked (subject), at what (an entity's global ID), when.
type AccessLogFilter struct {
	Subject  *string
	EntityID *string
	From     *time.Time
	To       *time.Time
}

// Conds translates the filter.
func (f *AccessLogFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	flt := new(store.Filter).Eq("subject", f.Subject).Range("at", f.From, f.To)
	if f.EntityID != nil {
		flt.Cond(true, store.Raw("? = ANY(t.entity_ids)", *f.EntityID))
	}
	return flt.Done()
}
