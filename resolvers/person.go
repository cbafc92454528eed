package resolvers

import (
	"context"
	"fmt"
	"slices"

	"civiclink/db/street"
	"civiclink/internal/auth"
	"civiclink/internal/pii"
	"civiclink/internal/privacy"
)

// personClass is the class of a person's data: a minor's is guarded more closely.
func personClass(p *street.Person) privacy.Class {
	if slices.Contains(p.Flags, "MINOR") {
		return privacy.MinorData
	}
	return privacy.PersonData
}

// showPerson decides whether a person's data is shown in clear: the role must read it and
// the request's purpose must name a record the person is linked to (which, for a police
// officer, is a record of their own station).
func (r *personResolver) showPerson(ctx context.Context, p *street.Person) (bool, error) {
	return privacy.Show(ctx, p.ID(), personClass(p), privacy.Key{Type: "Person", PK: p.PK}, true), nil
}

// personField returns a nullable personal field in clear or masked.
func (r *personResolver) personField(ctx context.Context, p *street.Person, v *string, mask func(string) string) (*string, error) {
	if v == nil {
		return nil, nil
	}
	show, err := r.showPerson(ctx, p)
	if err != nil {
		return nil, err
	}
	if show {
		return v, nil
	}
	m := mask(*v)
	return &m, nil
}

// idNumber decrypts a person's identity number and masks it unless the caller may see it.
func (r *personResolver) idNumber(ctx context.Context, p *street.Person) (*string, error) {
	if p.IDNumberCipher == nil {
		return nil, nil
	}
	plain, err := r.Keys.Decrypt(p.IDNumberCipher)
	if err != nil {
		return nil, fmt.Errorf("identity number of person %d: %w", p.PK, err)
	}
	return r.personField(ctx, p, &plain, pii.MaskIDNumber)
}

// sameStation reports whether an officer's station is the caller's, for police callers;
// other roles are judged by role alone.
func sameStation(ctx context.Context, station int64) bool {
	p := auth.FromContext(ctx)
	if p.Role != auth.PoliceOfficer {
		return true
	}
	return p.Scope.StationID != nil && *p.Scope.StationID == station
}
