package store

import "time"

// Row holds the columns every mutable table has: the internal key, timestamps and the
// optimistic-concurrency version. Domain row types embed it.
type Row struct {
	PK        int64     `db:"id"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
	Version   int       `db:"version"`
}

// Key returns the row's primary key.
func (r *Row) Key() int64 { return r.PK }
