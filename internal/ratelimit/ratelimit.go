// Package ratelimit limits the request rate of each client, by API key and by IP address,
// with token buckets (golang.org/x/time/rate). Each instance of the hub limits on its own:
// behind a load balancer of n instances a client may reach n times the configured rate.
package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Options configure a Limiter. A rate of 0 turns that limit off.
type Options struct {
	// PerIP is the sustained requests per second allowed from one client IP address.
	PerIP float64
	// PerKey is the sustained requests per second allowed with one API key (the
	// Authorization or X-API-Key header).
	PerKey float64
	// Burst is how many requests above the rate a client may send at once (0 = the rate
	// rounded up, at least 1).
	Burst int
	// TrustForwarded takes the client address from the last X-Forwarded-For entry, which
	// the load balancer in front of the hub appends; leave false without one, since
	// clients can send the header themselves.
	TrustForwarded bool
	// IdleTTL is how long an unused bucket is kept (0 = 10 minutes).
	IdleTTL time.Duration
	// Now is the clock (nil = time.Now); tests replace it.
	Now func() time.Time
}

// Limiter decides whether a request may proceed. It is safe for concurrent use.
type Limiter struct {
	opts  Options
	mu    sync.Mutex
	ips   map[string]*bucket
	keys  map[string]*bucket
	sweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a limiter, or nil when both rates are 0 (a nil *Limiter allows everything).
func New(opts Options) *Limiter {
	if opts.PerIP <= 0 && opts.PerKey <= 0 {
		return nil
	}
	if opts.IdleTTL <= 0 {
		opts.IdleTTL = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Limiter{opts: opts, ips: map[string]*bucket{}, keys: map[string]*bucket{}}
}

// Decision is the outcome of Allow.
type Decision struct {
	// Allowed is false when the request must be refused.
	Allowed bool
	// Limit names the limit hit: "ip" or "key".
	Limit string
	// RetryAfter is how long the client should wait before the next request.
	RetryAfter time.Duration
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds (at least 1), for the
// Retry-After header.
func (d Decision) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(d.RetryAfter.Seconds())))
}

// Allow takes a token from the request's key bucket and from its IP bucket. A request
// refused by one limit does not consume a token of the other.
func (l *Limiter) Allow(r *http.Request) Decision {
	if l == nil {
		return Decision{Allowed: true}
	}
	return l.AllowClient(ClientIP(r, l.opts.TrustForwarded), Key(r))
}

// AllowClient is Allow for a client known by its IP address and key (KeyOf its
// credentials; "" = none): operations sent over a WebSocket take their tokens from the same
// buckets as the client's HTTP requests.
func (l *Limiter) AllowClient(ip, key string) Decision {
	if l == nil {
		return Decision{Allowed: true}
	}
	now := l.opts.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepIdle(now)
	type check struct {
		name string
		b    *bucket
	}
	var checks []check
	if key != "" && l.opts.PerKey > 0 {
		checks = append(checks, check{"key", l.bucket(l.keys, key, l.opts.PerKey, now)})
	}
	if l.opts.PerIP > 0 {
		checks = append(checks, check{"ip", l.bucket(l.ips, ip, l.opts.PerIP, now)})
	}
	var taken []*rate.Reservation
	for _, c := range checks {
		res := c.b.lim.ReserveN(now, 1)
		if delay := res.DelayFrom(now); !res.OK() || delay > 0 {
			res.CancelAt(now)
			for _, t := range taken {
				t.CancelAt(now)
			}
			if !res.OK() {
				delay = time.Second
			}
			return Decision{Limit: c.name, RetryAfter: delay}
		}
		taken = append(taken, res)
	}
	return Decision{Allowed: true}
}

func (l *Limiter) bucket(m map[string]*bucket, id string, perSecond float64, now time.Time) *bucket {
	b, ok := m[id]
	if !ok {
		burst := l.opts.Burst
		if burst <= 0 {
			burst = max(1, int(math.Ceil(perSecond)))
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
		m[id] = b
	}
	b.seen = now
	return b
}

// sweepIdle drops buckets unused for IdleTTL, at most once per IdleTTL; a dropped bucket
// was full again anyway.
func (l *Limiter) sweepIdle(now time.Time) {
	if now.Sub(l.sweep) < l.opts.IdleTTL {
		return
	}
	l.sweep = now
	for _, m := range []map[string]*bucket{l.ips, l.keys} {
		for id, b := range m {
			if now.Sub(b.seen) > l.opts.IdleTTL {
				delete(m, id)
			}
		}
	}
}

// Key identifies the API key of r: a hash of its X-API-Key or Authorization header, or ""
// when it has neither. Only the hash is kept in memory.
func Key(r *http.Request) string {
	v := r.Header.Get("X-API-Key")
	if v == "" {
		v = r.Header.Get("Authorization")
	}
	return KeyOf(v)
}

// KeyOf identifies credentials (an X-API-Key or Authorization value) by a hash, "" for none.
func KeyOf(credentials string) string {
	if credentials == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(credentials))
	return hex.EncodeToString(sum[:16])
}

// ClientIP returns the address of r's client: the last X-Forwarded-For entry when
// trustForwarded is set and the header is present, else the peer address.
func ClientIP(r *http.Request, trustForwarded bool) string {
	if trustForwarded {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
