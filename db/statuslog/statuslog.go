// Package statuslog reads the status logs that every lifecycle table keeps: one row per
// transition, with who made it, when and why.
package statuslog

import (
	"time"

	"civiclink/db/loaders"
	"civiclink/db/store"
)

// StatusChange is one transition of a lifecycle entity.
type StatusChange struct {
	PK         int64     `db:"id"`
	EntityID   int64     `db:"entity_id"`
	FromStatus *string   `db:"from_status"`
	ToStatus   string    `db:"to_status"`
	At         time.Time `db:"at"`
	Actor      string    `db:"actor"`
	Reason     *string   `db:"reason"`
}

// Log is the status log of one lifecycle table.
type Log struct {
	Table   *store.Table[StatusChange]
	Changes *loaders.ChildrenRelation[StatusChange]
}

// New describes the status log table name (schema-qualified), readable by whoever may read
// the entity it logs (policy).
func New(name string, policy store.Policy) *Log {
	t := store.NewTable[StatusChange](name).WithPolicy(policy)
	return &Log{
		Table:   t,
		Changes: loaders.Children(t, "entity_id", "t.at, t.id", func(c *StatusChange) int64 { return c.EntityID }),
	}
}
