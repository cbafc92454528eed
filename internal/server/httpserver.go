package server

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Defaults of Timeouts.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
)

// Timeouts bound how long a client may take to send a request and how long an idle
// keep-alive connection is kept, so slow or stalled clients cannot hold connections (and
// goroutines) forever. There is no write timeout: event streams and WebSockets are long
// lived (WebSockets clear the read deadline when they are upgraded).
type Timeouts struct {
	// ReadHeader is how long the request line and headers may take (0 = DefaultReadHeaderTimeout).
	ReadHeader time.Duration
	// Read is how long the whole request, body included, may take (0 = DefaultReadTimeout).
	Read time.Duration
	// Idle is how long a keep-alive connection may wait for its next request (0 = DefaultIdleTimeout).
	Idle time.Duration
}

// NewHTTPServer returns the http.Server that serves handler on addr with the timeouts t;
// requests' contexts derive from base without its cancellation (shutdown is graceful).
func NewHTTPServer(base context.Context, addr string, handler http.Handler, t Timeouts) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: orDuration(t.ReadHeader, DefaultReadHeaderTimeout),
		ReadTimeout:       orDuration(t.Read, DefaultReadTimeout),
		IdleTimeout:       orDuration(t.Idle, DefaultIdleTimeout),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(base) },
	}
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
