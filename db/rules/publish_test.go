package rules_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/rules"
	"civiclink/db/workflow"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// admin is a context of an administrator, with the clock at the test's start.
var admin = clock.With(auth.WithPrincipal(context.Background(), auth.Principal{Subject: "test-admin", Role: auth.Admin}), clock.Fixed(time.Now()))

func ptr[T any](v T) *T { return &v }

// refusal names what an error says: "input <field>", "not found <field>", "" for none, else
// the error.
func refusal(err error) string {
	var in *apierr.InputError
	var nf *workflow.NotFoundError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &in):
		if in.Field == "" && len(in.Problems) > 0 {
			return "input " + in.Problems[0].Field
		}
		return "input " + in.Field
	case errors.As(err, &nf):
		return "not found " + nf.Field
	}
	return err.Error()
}

// TestPublish: a new version takes the fields given and keeps the others, ends the version
// before it at its validFrom, and both are logged with the caller of ctx as actor.
func TestPublish(t *testing.T) {
	tx := dbtest.Tx(t)
	ctx := context.Background()
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, clock.Office)
	res, err := rules.Publish(admin, tx, rules.Edit{Code: rules.GridEventDue + "CRITICAL", DeadlineMinutes: ptr(120), ValidFrom: from, Reason: "faster"})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	var version, deadline int
	var remind, createdBy string
	var prevEnd *time.Time
	var logged int
	if err := tx.QueryRow(ctx, `SELECT r.version, r.deadline_minutes, r.remind, r.created_by,
		(SELECT p.valid_to FROM hub.rule p WHERE p.code = r.code AND p.version = r.version - 1),
		(SELECT count(*) FROM hub.rule_log l WHERE l.actor = r.created_by AND l.reason = 'faster')
		FROM hub.rule r WHERE r.id = $1`, res.Rule).Scan(&version, &deadline, &remind, &createdBy, &prevEnd, &logged); err != nil {
		t.Fatal(err)
	}
	actor := workflow.Actor(admin)
	if version != 2 || deadline != 120 || remind != "DISPATCH_CENTRE" || createdBy != actor || prevEnd == nil || !prevEnd.Equal(from) || logged != 2 {
		t.Errorf("expected version 2, 120 minutes, remind kept (DISPATCH_CENTRE), by %s, version 1 ended at %s, 2 log rows; got %d, %d, %s, by %s, ended %v, %d rows",
			actor, from, version, deadline, remind, createdBy, prevEnd, logged)
	}
}

// TestPublishRefusals: every refusal names the input at fault; validFrom is checked against
// the rule's own history (after its latest version's start).
func TestPublishRefusals(t *testing.T) {
	tx := dbtest.Tx(t)
	code := rules.CaseOnScene
	later := time.Date(2031, 1, 1, 0, 0, 0, 0, clock.Office)
	if _, err := rules.Publish(admin, tx, rules.Edit{Code: code, DeadlineMinutes: ptr(20), ValidFrom: later, Reason: "scheduled"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit rules.Edit
		want string
	}{
		{"no such rule", rules.Edit{Code: "NO_SUCH_RULE", ValidFrom: later.AddDate(1, 0, 0), Reason: "r"}, "not found code"},
		{"no reason", rules.Edit{Code: code, ValidFrom: later.AddDate(1, 0, 0)}, "input reason"},
		{"empty description", rules.Edit{Code: code, Description: ptr(""), ValidFrom: later.AddDate(1, 0, 0), Reason: "r"}, "input description"},
		{"negative deadline", rules.Edit{Code: code, DeadlineMinutes: ptr(-1), ValidFrom: later.AddDate(1, 0, 0), Reason: "r"}, "input deadlineMinutes"},
		{"before the scheduled version", rules.Edit{Code: code, ValidFrom: later.AddDate(0, -6, 0), Reason: "r"}, "input validFrom"},
		{"at the scheduled version's start", rules.Edit{Code: code, ValidFrom: later, Reason: "r"}, "input validFrom"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rules.Publish(admin, tx, c.edit)
			if got := refusal(err); got != c.want {
				t.Errorf("expected %q, got %q (%v)", c.want, got, err)
			}
		})
	}
}
