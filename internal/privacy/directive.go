package privacy

import (
	"context"
	"reflect"
	"slices"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/risk"
	"civiclink/db/street"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/pii"

	"github.com/99designs/gqlgen/graphql"
)

// Directive implements the schema's @personal(class:, mask:) on every field that carries
// it: the resolved value is shown in clear only when Show allows it for the row the field
// belongs to, and masked as mask otherwise; FREE_TEXT is redacted instead, masking the row's
// own parties' values inside it. A row of a type it does not know is masked (fail closed).
func Directive(ctx context.Context, obj any, next graphql.Resolver, class string, mask *string) (any, error) {
	v, err := next(ctx)
	if err != nil || v == nil {
		return v, err
	}
	if class == "FREE_TEXT" {
		return redactValue(ctx, v, mentionKey(obj))
	}
	sub, ok := subjectOf(ctx, obj, class)
	if ok && Show(ctx, sub.entity, sub.class, sub.key, sub.rowOK) {
		if sub.class == SessionRecord || sub.class == AgreementTerms {
			// Shown: still mask, inside it, the parties the purpose does not unlock (minors).
			return redactValue(ctx, v, sub.key)
		}
		return v, nil
	}
	m := ""
	if mask != nil {
		m = *mask
	}
	return maskValue(v, m), nil
}

// subject is the row a personal value belongs to.
type subject struct {
	entity string
	class  Class
	key    Key
	rowOK  bool
}

var fieldClasses = map[string]Class{
	"PERSON":          PersonData,
	"OFFICER_CONTACT": OfficerContact,
	"CASE_ADDRESS":    CaseAddress,
	"SESSION_RECORD":  SessionRecord,
	"AGREEMENT_TERMS": AgreementTerms,
}

// subjectOf names the row of obj for a field of class.
func subjectOf(ctx context.Context, obj any, class string) (subject, bool) {
	c, ok := fieldClasses[class]
	if !ok {
		return subject{}, false
	}
	switch o := obj.(type) {
	case *street.Person:
		if IsMinor(ctx, o.Flags, o.BirthDate) {
			c = MinorData
		}
		return subject{o.ID(), c, Key{"Person", o.PK}, true}, true
	case *police.Officer:
		return subject{o.ID(), c, Key{"Officer", o.PK}, sameStation(ctx, o.StationID)}, true
	case *police.Case:
		return subject{o.ID(), c, Key{"Case", o.PK}, true}, true
	case *mediation.MediationSession:
		return subject{o.ID(), c, Key{"Dispute", o.DisputeID}, true}, true
	case *mediation.Agreement:
		return subject{o.ID(), c, Key{"Dispute", o.DisputeID}, true}, true
	}
	return subject{}, false
}

// mentionKey names the record whose parties a free text of obj may mention.
func mentionKey(obj any) Key {
	switch o := obj.(type) {
	case *police.Case:
		return Key{"Case", o.PK}
	case *mediation.Dispute:
		return Key{"Dispute", o.PK}
	case *risk.RiskItem:
		return Key{"RiskItem", o.PK}
	case *street.GridEvent:
		return Key{"GridEvent", o.PK}
	case *mediation.MediationSession:
		return Key{"Dispute", o.DisputeID}
	case *mediation.Agreement:
		return Key{"Dispute", o.DisputeID}
	}
	return Key{}
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

// IsMinor reports whether a person is a minor by flag or by birth date (under 18 on the
// office's today, by ctx's clock). Purposes also count a person recorded as a minor party to
// any case.
func IsMinor(ctx context.Context, flags []string, birth *time.Time) bool {
	if slices.Contains(flags, "MINOR") {
		return true
	}
	if birth == nil {
		return false
	}
	y, m, d := clock.Today(ctx).Date()
	adult := time.Date(y-18, m, d, 0, 0, 0, 0, time.UTC)
	b := time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)
	return b.After(adult)
}

var maskFuncs = map[string]func(string) string{
	"NAME":      pii.MaskName,
	"ID_NUMBER": pii.MaskIDNumber,
	"PHONE":     pii.MaskPhone,
	"ADDRESS":   pii.MaskAddress,
	"TEXT":      pii.MaskText,
}

// maskValue masks v as mask says; a value it cannot mask, or HIDDEN, becomes its type's zero
// (null for pointers).
func maskValue(v any, mask string) any {
	f, ok := maskFuncs[mask]
	switch x := v.(type) {
	case string:
		if ok {
			return f(x)
		}
		return ""
	case *string:
		if ok && x != nil {
			s := f(*x)
			return &s
		}
		return (*string)(nil)
	}
	return reflect.Zero(reflect.TypeOf(v)).Interface()
}

// redactValue redacts a string or *string free text of the record key.
func redactValue(ctx context.Context, v any, key Key) (any, error) {
	switch x := v.(type) {
	case string:
		return redactText(ctx, x, key)
	case *string:
		if x == nil {
			return x, nil
		}
		s, err := redactText(ctx, *x, key)
		return &s, err
	}
	return reflect.Zero(reflect.TypeOf(v)).Interface(), nil
}
