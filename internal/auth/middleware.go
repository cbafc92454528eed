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
		switch {
		case errors.Is(err, ErrNoCredentials), errors.Is(err, ErrBadCredentials):
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", err.Error())
			return
		case err != nil:
			// The credentials could not be checked (the database is away): say so, rather
			// than calling them invalid.
			logger.ErrorContext(r.Context(), "authenticate", "err", err)
			writeError(w, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "credentials cannot be checked right now; try again shortly")
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="civiclink"`)
	} else {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}
