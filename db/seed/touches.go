package seed

import (
	"context"
	"fmt"
)

// The seed loads its tables with their touch triggers (migration 00340: hub.agency_touch and
// hub.household, which crossAgencyStats reads) disabled, and derives the touches once at the
// end, as the migration does for rows written before the triggers existed. Fired per COPY
// inside the seeding transaction, the triggers joined tables loaded in that transaction
// and never analysed, so the planner took them for empty: at scale 10 the COPY of
// risk.risk_link (37,703 rows) alone had run for over eleven minutes on one core when it
// was cancelled.

// touchTriggers disables (or enables) every touch_* trigger, within the transaction.
func (l *loader) touchTriggers(ctx context.Context, enable bool) error {
	action := "DISABLE"
	if enable {
		action = "ENABLE"
	}
	_, err := l.tx.Exec(ctx, `DO $$ DECLARE t record; BEGIN
		FOR t IN SELECT tgrelid::regclass AS rel, tgname FROM pg_trigger
			WHERE NOT tgisinternal AND tgname LIKE 'touch\_%' AND tgfoid IN (
				'hub.touch_records'::regproc, 'hub.touch_parties'::regproc, 'hub.touch_persons'::regproc, 'hub.touch_grids'::regproc)
		LOOP
			EXECUTE format('ALTER TABLE %s `+action+` TRIGGER %I', t.rel, t.tgname);
		END LOOP;
	END $$`)
	if err != nil {
		return fmt.Errorf("seed: %s touch triggers: %w", action, err)
	}
	return nil
}

// deriveTouches analyses what the seed loaded, turns the touch triggers back on and derives
// the households and touches of every record, in the seeding transaction.
func (l *loader) deriveTouches(ctx context.Context) error {
	for _, sql := range []string{
		`ANALYZE`,
		`INSERT INTO hub.household (address)
		SELECT DISTINCT nullif(btrim(address), '') FROM street.person WHERE nullif(btrim(address), '') IS NOT NULL
		ON CONFLICT (address) DO NOTHING`,
		`SELECT hub.refresh_touches(1, (SELECT array_agg(id) FROM police."case"))`,
		`SELECT hub.refresh_touches(2, (SELECT array_agg(id) FROM mediation.dispute))`,
		`SELECT hub.refresh_touches(4, (SELECT array_agg(id) FROM street.grid_event))`,
		`SELECT hub.refresh_touches(8, (SELECT array_agg(id) FROM risk.risk_item))`,
	} {
		if _, err := l.tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("seed: derive touches: %w", err)
		}
	}
	return l.touchTriggers(ctx, true)
}
