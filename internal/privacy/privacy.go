// Package privacy decides, field by field, whether a personal value may be shown in clear,
// and masks it otherwise, keeping its shape (110***********1234, 138****5678, 张*). A value is
// shown only when the caller's role may see its class of data, the request states a purpose
// naming a record the caller may see, that purpose unlocks the value's row (a person linked
// to the record, the record itself), and the row belongs to the caller where the role table
// says so; every value shown is recorded in the request's ledger, which the audit layer
// writes to the access log.
package privacy

import (
	"context"
	"slices"
	"sync"

	"civiclink/internal/auth"
)

// Class is a kind of personal data.
type Class int

// Classes of personal data.
const (
	// PersonData is a person's name, identity number, birth date, phone and address.
	PersonData Class = iota
	// MinorData is the same of a person flagged MINOR.
	MinorData
	// OfficerContact is an officer's phone and home address.
	OfficerContact
	// CaseAddress is the address of an incident.
	CaseAddress
	// SessionRecord is what was said in a mediation session.
	SessionRecord
	// AgreementTerms are the terms of a mediation agreement.
	AgreementTerms
)

// readers lists, per class, the roles that may see it in clear with a stated purpose.
var readers = map[Class][]string{
	PersonData:     {auth.StreetStaff, auth.Mediator, auth.PoliceOfficer, auth.Admin},
	MinorData:      {auth.PoliceOfficer, auth.Admin},
	OfficerContact: {auth.PoliceOfficer, auth.Admin},
	CaseAddress:    {auth.PoliceOfficer, auth.Admin},
	SessionRecord:  {auth.Mediator, auth.Admin},
	AgreementTerms: {auth.StreetStaff, auth.Mediator, auth.Admin},
}

// MayRead reports whether role may see class in clear at all (with a purpose).
func MayRead(role string, class Class) bool { return slices.Contains(readers[class], role) }

// MayShow reports whether the caller's role may see class in clear and the request has an
// accepted purpose; resolvers use it to skip row checks that cannot matter.
func MayShow(ctx context.Context, class Class) bool {
	return grantFrom(ctx) != nil && MayRead(auth.FromContext(ctx).Role, class)
}

// Show decides whether one value of class, belonging to entity (a global ID) and to the row
// key, is shown in clear: the role must read class, the request's purpose must unlock key,
// and rowOK says whether the row is the caller's own where the role needs that (an
// officer's own station). Each value shown is recorded in the request's ledger.
func Show(ctx context.Context, entity string, class Class, key Key, rowOK bool) bool {
	if !rowOK || !MayShow(ctx, class) || !grantFrom(ctx).Unlocks(key) {
		return false
	}
	if l, ok := ctx.Value(ledgerKey{}).(*Ledger); ok {
		l.add(entity)
	}
	return true
}

// Ledger collects the entities whose personal data a request showed in clear.
type Ledger struct {
	mu  sync.Mutex
	ids []string
	set map[string]bool
}

type ledgerKey struct{}

// WithLedger returns ctx with a fresh ledger.
func WithLedger(ctx context.Context) (context.Context, *Ledger) {
	l := &Ledger{set: map[string]bool{}}
	return context.WithValue(ctx, ledgerKey{}, l), l
}

func (l *Ledger) add(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.set[id] {
		l.set[id] = true
		l.ids = append(l.ids, id)
	}
}

// Entities returns the entities recorded, in the order first shown.
func (l *Ledger) Entities() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ids)
}
