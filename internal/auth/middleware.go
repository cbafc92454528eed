package auth

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// Middleware authenticates every request to next: without valid credentials it answers 401
// with a GraphQL error (UNAUTHENTICATED) and next never runs.
func Middleware(a *Authenticator, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// WebSocket upgrades authenticate in connection_init instead.
		if r.Header.Get("Upgrade") == "websocket" {
			next.ServeHTTP(w, r)
			return
		}
		p, err := a.Authenticate(r)
		if err != nil {
			msg := ErrBadCredentials.Error()
			switch {
			case errors.Is(err, ErrNoCredentials):
				msg = err.Error()
			case !errors.Is(err, ErrBadCredentials):
				logger.ErrorContext(r.Context(), "authenticate", "err", err)
			}
			writeUnauthenticated(w, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

func writeUnauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer realm="civiclink"`)
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": "UNAUTHENTICATED"}}},
	})
}
