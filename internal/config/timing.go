package config

import "time"

// DefaultRequestTimeout is the deadline of one query or mutation, over any transport
// (CIVICLINK_REQUEST_TIMEOUT). The waits a request may spend inside it are derived from it
// here, so they cannot outlast it.
const DefaultRequestTimeout = 30 * time.Second

// ShareWait is how long a request beyond its caller's share of database connections waits
// for one (internal/fairshare) before it is refused with RATE_LIMITED: a third of the
// request deadline (10 s of the default 30 s), so a request that waited still has most of
// its deadline to run. A zero or negative deadline stands for DefaultRequestTimeout.
func ShareWait(requestTimeout time.Duration) time.Duration {
	if requestTimeout <= 0 {
		requestTimeout = DefaultRequestTimeout
	}
	return requestTimeout / 3
}
