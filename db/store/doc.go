// Package store is the generic data access shared by every agency domain: a Table describes one
// Postgres table and its Go row type, and serves the three shapes of read the API needs — rows by
// primary key, rows grouped by a foreign key, and Relay pages with keyset cursors — each batched
// for many parents in one statement. Every SQL value is a bound parameter; identifiers come only
// from Go code, never from input.
package store
