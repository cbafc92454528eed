package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/pii"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Key names one row whose personal data a purpose can unlock: a person, an officer, or the
// record itself (a case's address, a dispute's session records and terms).
type Key struct {
	// Type is the GraphQL type of the row: Person, Officer, Case, Dispute or GridEvent.
	Type string
	// PK is the row's primary key.
	PK int64
}

// Grant is what a request's accepted purpose unlocks: the record it names and the persons
// linked to it (parties, reporter, mediators; the lead officer of a case).
type Grant struct {
	Purpose auth.Purpose
	keys    map[Key]bool
}

// Unlocks reports whether the grant covers k.
func (g *Grant) Unlocks(k Key) bool { return g != nil && g.keys[k] }

type grantKey struct{}

// WithGrant returns ctx carrying g; tests use it to act under a purpose without HTTP.
func WithGrant(ctx context.Context, g *Grant) context.Context {
	return context.WithValue(ctx, grantKey{}, g)
}

func grantFrom(ctx context.Context) *Grant {
	g, _ := ctx.Value(grantKey{}).(*Grant)
	return g
}

// Errors of purpose resolution; their messages are safe for clients.
var (
	// ErrForeignPurpose reports a purpose naming a record the caller may not see (or none).
	ErrForeignPurpose = errors.New("the purpose names a record you may not see")
)

// Purposes returns the operation middleware that turns the request's stated purpose into a
// Grant: an unparsable purpose is refused with BAD_USER_INPUT, one naming a record the
// caller cannot see (or that does not exist) with FORBIDDEN, before anything is resolved.
// The principal's purpose becomes the canonical record reference, which the access log keeps.
//
// It also lets the operation's free texts be redacted (keys decrypt the identity numbers
// they may repeat; mentionsOf reads what they may mention).
func Purposes(db store.Querier, keys *pii.Keys, logger *slog.Logger) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		ctx = withMentions(ctx, keys)
		p := auth.FromContext(ctx)
		if p.Purpose == "" && !p.PurposeStated {
			return next(ctx)
		}
		purpose, err := auth.ParsePurpose(p.Purpose)
		if err != nil {
			return refuse(err.Error(), "BAD_USER_INPUT")
		}
		g, err := ResolveGrant(ctx, db, purpose)
		switch {
		case errors.Is(err, ErrForeignPurpose):
			return refuse(err.Error(), "FORBIDDEN")
		case err != nil:
			logger.ErrorContext(ctx, "resolve purpose", "purpose", purpose.String(), "err", err)
			return refuse("the purpose could not be checked", "INTERNAL")
		}
		p.Purpose = purpose.String()
		return next(WithGrant(auth.WithPrincipal(ctx, p), g))
	}
}

// refuse answers an operation with one error and no data.
func refuse(msg, code string) graphql.ResponseHandler {
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

// minorSQL is true for a person who is a minor by any account: flagged MINOR, under 18 on the
// office's today by birth date, or recorded as a minor party to any case.
const minorSQL = `('MINOR' = ANY (p.flags)
	OR p.birth_date > (` + clock.SQLToday + ` - interval '18 years')::date
	OR EXISTS (SELECT 1 FROM police.case_party m WHERE m.person_id = p.id AND m.is_minor))`

// linkedSQL lists, per kind of record, the persons ($1 is the record's key) and officers
// linked to it.
var linkedSQL = map[string]string{
	auth.PurposeCase: `SELECT 'Person', p.id, ` + minorSQL + ` FROM police.case_party cp JOIN street.person p ON p.id = cp.person_id WHERE cp.case_id = $1
		UNION ALL SELECT 'Officer', c.lead_officer_id, false FROM police."case" c WHERE c.id = $1 AND c.lead_officer_id IS NOT NULL`,
	auth.PurposeDispute: `SELECT 'Person', p.id, ` + minorSQL + ` FROM mediation.dispute_party dp JOIN street.person p ON p.id = dp.person_id WHERE dp.dispute_id = $1
		UNION ALL SELECT 'Person', p.id, ` + minorSQL + ` FROM mediation.dispute_mediator dm JOIN mediation.mediator m ON m.id = dm.mediator_id
			JOIN street.person p ON p.id = m.person_id WHERE dm.dispute_id = $1`,
	auth.PurposeEvent: `SELECT 'Person', p.id, ` + minorSQL + ` FROM street.grid_event e JOIN street.grid_worker w ON w.id = e.reporter_id
		JOIN street.person p ON p.id = w.person_id WHERE e.id = $1`,
}

// ResolveGrant checks that the caller may see the record purpose names (through the same
// access rules as every read) and collects what it unlocks: the record and its linked persons
// and officers. Minors are left out for roles that may not see minors' data, and street
// staff's case purposes unlock no person (the role table shows them case parties masked).
func ResolveGrant(ctx context.Context, db store.Querier, purpose auth.Purpose) (*Grant, error) {
	var (
		record Key
		err    error
	)
	switch purpose.Kind {
	case auth.PurposeCase:
		record = Key{Type: "Case"}
		record.PK, err = visible(ctx, db, police.Cases, "case_no", purpose.Number, (*police.Case).Key)
	case auth.PurposeDispute:
		record = Key{Type: "Dispute"}
		record.PK, err = visible(ctx, db, mediation.Disputes, "dispute_no", purpose.Number, (*mediation.Dispute).Key)
	case auth.PurposeEvent:
		record = Key{Type: "GridEvent"}
		record.PK, err = visible(ctx, db, street.GridEvents, "event_no", purpose.Number, (*street.GridEvent).Key)
	default:
		return nil, ErrForeignPurpose
	}
	if err != nil {
		return nil, err
	}
	pk := record.PK
	g := &Grant{Purpose: purpose, keys: map[Key]bool{record: true}}
	p := auth.FromContext(ctx)
	mayMinors := MayRead(p.Role, MinorData)
	// The links are read as the hub itself: whether a person is a minor must not depend on
	// which case parties the caller can see.
	rows, err := db.Query(auth.WithSystem(ctx), linkedSQL[purpose.Kind], pk)
	if err != nil {
		return nil, fmt.Errorf("persons linked to %s: %w", purpose, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k Key
		var minor bool
		if err := rows.Scan(&k.Type, &k.PK, &minor); err != nil {
			return nil, fmt.Errorf("persons linked to %s: %w", purpose, err)
		}
		if k.Type == "Person" && ((minor && !mayMinors) || (purpose.Kind == auth.PurposeCase && p.Role == auth.StreetStaff)) {
			continue
		}
		g.keys[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("persons linked to %s: %w", purpose, err)
	}
	return g, nil
}

// visible finds, as the caller, the key of the record numbered number in table.
func visible[T any](ctx context.Context, db store.Querier, table *store.Table[T], column, number string, key func(*T) int64) (int64, error) {
	row, err := table.Get(ctx, db, store.Conds{store.Eq(column, number)})
	if errors.Is(err, apierr.ErrNotFound) {
		return 0, ErrForeignPurpose
	}
	if err != nil {
		return 0, fmt.Errorf("look up %s %s: %w", table.Name, number, err)
	}
	return key(row), nil
}
