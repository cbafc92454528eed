package resolvers

import (
	"context"
	"time"

	"civiclink/db/loaders"
	"civiclink/db/rules"
	"civiclink/db/store"
	"civiclink/internal/clock"
)

// listRules serves Query.rules: the versions in force at asOf (now when nil), or every
// version with history, optionally of one code or subject, by code and validity.
func listRules(ctx context.Context, code, subject *string, asOf *time.Time, history bool) ([]*rules.Rule, error) {
	at := clock.Now(ctx)
	if asOf != nil {
		at = *asOf
	}
	flt := new(store.Filter).Eq("code", code).Eq("subject", subject)
	flt.Cond(!history, store.Raw("t.valid_from <= ? AND (t.valid_to IS NULL OR t.valid_to > ?)", at, at))
	where, err := flt.Done()
	if err != nil {
		return nil, err
	}
	list, err := rules.Rules.Select(ctx, loaders.DB(ctx), where, "t.code, t.valid_from")
	if list == nil && err == nil {
		list = []*rules.Rule{}
	}
	return list, err
}
