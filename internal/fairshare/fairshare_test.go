package fairshare

import (
	"context"
	"errors"
	"testing"

	"civiclink/internal/config"
)

// TestShares: a request's connections beyond its share wait for its own; a principal's
// beyond its share are refused (Wait < 0) and mark the request; given-back connections are
// served again; a request whose context ends while it waits gets the context's error.
func TestShares(t *testing.T) {
	l := New(Options{PerRequest: 2, PerPrincipal: 3, Wait: -1})
	ctx := context.Background()
	a1ctx, end1 := l.Begin(ctx, "a")
	defer end1()
	a2ctx, end2 := l.Begin(ctx, "a")
	defer end2()
	bctx, endB := l.Begin(ctx, "b")
	defer endB()
	a1, a2, b := FromContext(a1ctx), FromContext(a2ctx), FromContext(bctx)

	steps := []struct {
		name    string
		r       *Request
		ctx     context.Context
		wantErr error
	}{
		{"a1 first", a1, a1ctx, nil},
		{"a1 second", a1, a1ctx, nil},
		{"a2 first (a's third)", a2, a2ctx, nil},
		{"a2 second: over a's share", a2, a2ctx, ErrOverShare},
		{"b first: another caller is served", b, bctx, nil},
	}
	for _, s := range steps {
		if err := s.r.acquire(s.ctx); !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: err %v, want %v", s.name, err, s.wantErr)
		}
	}
	if !a2.Refused() || a1.Refused() || b.Refused() {
		t.Errorf("refused: a1 %v a2 %v b %v, want only a2", a1.Refused(), a2.Refused(), b.Refused())
	}
	// a1's third waits for one of its own: a cancelled wait fails with the context's error.
	cancelled, cancel := context.WithCancel(a1ctx)
	cancel()
	if err := a1.acquire(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("a1 beyond its request's share, cancelled: err %v, want context.Canceled", err)
	}
	a1.release()
	if err := a2.acquire(a2ctx); err != nil {
		t.Errorf("a2 after a1 gave one back: %v, want a connection", err)
	}
	if got := Defaults(Options{}, 20, config.DefaultRequestTimeout); got.PerRequest != 5 || got.PerPrincipal != 15 || got.Wait != config.ShareWait(config.DefaultRequestTimeout) {
		t.Errorf("Defaults for 20 connections = %+v, want 5 per request, 15 per principal, a third of the default request deadline", got)
	}
	if got := Defaults(Options{}, 8, config.DefaultRequestTimeout); got.PerRequest != 3 || got.PerPrincipal != 6 {
		t.Errorf("Defaults for 8 connections = %+v, want 3 per request, 6 per principal", got)
	}
}
