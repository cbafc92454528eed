// Package auth says who is calling: it verifies bearer JWTs (HS256 with a shared secret,
// RS256/ES256 against a JWKS) and API keys, resolves the caller's scope (station, grids,
// communities, committees) to row IDs, and puts the resulting Principal in the request
// context, with the purpose the request states for reading personal data.
package auth

import (
	"context"
	"slices"
)

// Roles of the domain design.
const (
	StreetStaff   = "STREET_STAFF"
	GridWorker    = "GRID_WORKER"
	PoliceOfficer = "POLICE_OFFICER"
	Mediator      = "MEDIATOR"
	Analyst       = "ANALYST"
	Auditor       = "AUDITOR"
	Admin         = "ADMIN"
	// System is the role of the hub's own background work (scans, migrations, seeding); it
	// is never granted to a credential.
	System = "SYSTEM"
)

// Roles lists the roles a credential may carry.
var Roles = []string{StreetStaff, GridWorker, PoliceOfficer, Mediator, Analyst, Auditor, Admin}

// ValidRole reports whether role may be granted to a credential.
func ValidRole(role string) bool { return slices.Contains(Roles, role) }

// Scope is the part of the records a principal works on, as row IDs.
type Scope struct {
	StationID    *int64  `json:"stationId,omitempty"`
	OfficerID    *int64  `json:"officerId,omitempty"`
	MediatorID   *int64  `json:"mediatorId,omitempty"`
	GridIDs      []int64 `json:"gridIds,omitempty"`
	CommunityIDs []int64 `json:"communityIds,omitempty"`
	CommitteeIDs []int64 `json:"committeeIds,omitempty"`
}

// Principal is the authenticated caller of a request.
type Principal struct {
	// Subject identifies the caller (a user ID or an API key's name).
	Subject string
	// Role is one of Roles (or System for the hub itself).
	Role  string
	Scope Scope
	// Purpose is what the request says it needs personal data for, as stated (see
	// ParsePurpose); once accepted, the canonical record reference ("case J2026-010643").
	Purpose string
	// PurposeStated is true when the request carried a purpose, even a blank one (which is
	// refused, not taken for none).
	PurposeStated bool
}

// Anonymous is the principal of a request without credentials; it may read nothing.
var Anonymous = Principal{Subject: "anonymous", Role: ""}

// SystemPrincipal is the hub's own background work.
var SystemPrincipal = Principal{Subject: "civiclink", Role: System}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// WithSystem returns ctx acting as the hub itself, for background work.
func WithSystem(ctx context.Context) context.Context { return WithPrincipal(ctx, SystemPrincipal) }

// FromContext returns the request's principal, or Anonymous.
func FromContext(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Anonymous
}

// Actor is how status logs and the outbox name the principal: role and subject.
func (p Principal) Actor() string { return p.Role + ":" + p.Subject }

// Is reports whether the principal has one of roles.
func (p Principal) Is(roles ...string) bool { return slices.Contains(roles, p.Role) }
