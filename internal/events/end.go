package events

import (
	"context"
	"sync"
)

// StreamEnd records why a subscription's event stream ended early (a *TooSlow), for the
// transport layer to tell the client after the stream's last event.
type StreamEnd struct {
	mu  sync.Mutex
	err error
}

type streamEndKey struct{}

// WithStreamEnd returns ctx carrying a fresh StreamEnd.
func WithStreamEnd(ctx context.Context) (context.Context, *StreamEnd) {
	s := &StreamEnd{}
	return context.WithValue(ctx, streamEndKey{}, s), s
}

// EndStream records err as the reason the stream of ctx ends (no-op without a StreamEnd).
func EndStream(ctx context.Context, err error) {
	if s, ok := ctx.Value(streamEndKey{}).(*StreamEnd); ok && err != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.err = err
	}
}

// Err is the recorded reason, or nil.
func (s *StreamEnd) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
