package server_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/internal/server"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// newHub serves a hub with the options set by configure over a fresh clone of the seeded
// test database, and returns it with its handler.
func newHub(t *testing.T, configure func(*server.Options)) (*hubtest.Hub, *server.Handler) {
	t.Helper()
	base := hubtest.New(t, hubtest.Options{})
	authn, err := auth.New(t.Context(), auth.Options{HMACSecret: hubtest.Secret, DB: base.Pool})
	if err != nil {
		t.Fatalf("authenticator: %v", err)
	}
	opts := server.Options{
		Pool: base.Pool, Keys: base.Keys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Introspection: true, LoaderWait: 10 * time.Millisecond, Auth: authn, Events: base.Events,
	}
	if configure != nil {
		configure(&opts)
	}
	h := server.New(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hub := *base // keeps the admin token of the base hub
	hub.Server = srv
	return &hub, h
}

type transportInitPayload = transport.InitPayload
