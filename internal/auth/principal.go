// Package auth says who is calling: the principal of a request, its role and its scope.
// Until authentication lands, every request is the anonymous principal.
package auth

import "context"

// Principal is the authenticated caller of a request.
type Principal struct {
	// Subject identifies the caller (a user ID or an API key's name).
	Subject string
	// Role is one of the roles of the domain design (STREET_STAFF, POLICE_OFFICER, …).
	Role string
}

// Anonymous is the principal of a request without credentials.
var Anonymous = Principal{Subject: "anonymous", Role: "ANONYMOUS"}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, or Anonymous.
func FromContext(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Anonymous
}

// Actor is how status logs and the outbox name the principal: role and subject.
func (p Principal) Actor() string { return p.Role + ":" + p.Subject }
