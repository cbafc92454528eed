// Package pagesize holds the API's page sizes in one place: db/store serves connections
// with them, the work lists (urgentQueue, overdueAgreements) cap their first by Max, and
// internal/limits prices every field taking first or last by them.
package pagesize

const (
	// Default is the page size of a connection queried without first or last.
	Default = 50
	// Max is the largest first or last a client may ask for: connections refuse more with
	// BAD_USER_INPUT, the work lists return at most Max items.
	Max = 500
)
