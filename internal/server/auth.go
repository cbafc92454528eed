package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/ratelimit"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// requireAuth puts the caller's principal in every GraphQL request's context and refuses
// requests without valid credentials (401, UNAUTHENTICATED), except, with
// Options.AnonymousIntrospection, those that ask only for the schema.
func requireAuth(opts Options, next http.Handler) http.Handler {
	if opts.Auth == nil {
		panic("server: Options.Auth is required")
	}
	authed := auth.Middleware(opts.Auth, opts.Logger, next)
	if opts.AnonymousIntrospection && opts.Introspection {
		return anonymousIntrospection(opts.MaxBodyBytes, next, authed)
	}
	return authed
}

// websocketInit authenticates a WebSocket from its connection_init payload
// ({"Authorization": "Bearer …", "X-Civiclink-Purpose": "…"}), then runs any further
// check the options carry.
func websocketInit(opts Options) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		authorization := payload.Authorization()
		credentials := authorization
		if authorization == "" {
			if key, ok := payload[auth.APIKeyHeader].(string); ok && key != "" {
				authorization, credentials = "ApiKey "+key, key
			}
		}
		purpose, _ := payload[auth.PurposeHeader].(string)
		p, err := opts.Auth.AuthenticateToken(ctx, authorization, purpose)
		if err != nil {
			if !errors.Is(err, auth.ErrNoCredentials) && !errors.Is(err, auth.ErrBadCredentials) {
				opts.Logger.ErrorContext(ctx, "authenticate websocket", "err", err)
			}
			return transport.WithWebsocketCloseCode(ctx, closeForbidden), nil, errors.New("UNAUTHENTICATED: " + err.Error())
		}
		ctx = auth.WithPrincipal(ctx, p)
		if s := sessionFrom(ctx); s != nil {
			// Operations on the socket share the rate-limit buckets of these credentials, and
			// the socket closes, after its subscriptions have said why, once they lapse.
			s.key = ratelimit.KeyOf(credentials)
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			go watchCredentials(ctx, opts, s, authorization, purpose, func() {
				for i := 0; i < 100 && s.subs.Load() > 0; i++ {
					time.Sleep(20 * time.Millisecond)
				}
				cancel()
			})
		}
		if opts.WebsocketInit != nil {
			return opts.WebsocketInit(ctx, payload)
		}
		return ctx, nil, nil
	}
}
