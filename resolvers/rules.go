package resolvers

import (
	"context"
	"time"

	"civiclink/db/loaders"
	"civiclink/db/rules"
	"civiclink/db/store"
	"civiclink/db/workflow"
	"civiclink/graph/model"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
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

// publishRule publishes a new version of a rule (ADMIN only, logged).
func (r *mutationResolver) publishRule(ctx context.Context, in model.PublishRuleInput) (workflow.Result, error) {
	return r.run(ctx, "publishRule", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		id, err := rules.Publish(ctx, tx, rules.Edit{Code: in.Code, DeadlineMinutes: in.DeadlineMinutes, Remind: in.Remind,
			Description: in.Description, ValidFrom: in.ValidFrom, Reason: in.Reason, Actor: workflow.Actor(ctx)})
		return workflow.Result{"rule": id}, err
	})
}

func rulePayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.PublishRulePayload, error) {
	rule, err := need(ctx, db, rules.Rules, res, "rule")
	return &model.PublishRulePayload{Rule: rule}, err
}
