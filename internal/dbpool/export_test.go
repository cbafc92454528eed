package dbpool

import (
	"context"
	"net"
)

// OpenDialing opens a pool whose connections are dialed by dial.
func OpenDialing(ctx context.Context, opts Options, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*Pool, error) {
	opts.dial = dial
	return Open(ctx, opts)
}

// Carried returns ctx under which an acquire sets no settings.
func Carried(ctx context.Context) context.Context { return context.WithValue(ctx, carriedKey{}, true) }
