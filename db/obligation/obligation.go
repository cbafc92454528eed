// Package obligation holds the one definition of a mediated agreement that is a live
// obligation, shared by the overdueAgreements list and its aggregate (db/analytics) and the
// scheduled scan's FOLLOW_UP_OVERDUE reminders (internal/events), so that a reminder and the
// list agree on which agreements are overdue. It is a leaf package: both of its users import
// the domain packages, which import internal/events.
package obligation

import (
	"fmt"

	"civiclink/internal/clock"
)

// Live is the SQL condition that agreement a of dispute d is a live obligation on the day
// asOf (SQL expressions): past its performance deadline plus the AGREEMENT_FOLLOW_UP rule's
// days in force at the deadline, not PERFORMED, ARCHIVED, WITHDRAWN or in LITIGATION (it is
// AGREED, PERFORMING or DEFAULTED), and nobody has visited since the deadline (a follow-up
// before it does not count). a, d and asOf are the caller's aliases and expressions, never
// request values.
func Live(a, d, asOf string) string {
	return fmt.Sprintf(`%[1]s.performance_deadline + hub.rule_days('AGREEMENT_FOLLOW_UP', %[1]s.performance_deadline) < %[3]s
  AND %[2]s.status NOT IN ('PERFORMED', 'ARCHIVED', 'WITHDRAWN', 'LITIGATION')
  AND NOT EXISTS (SELECT 1 FROM mediation.follow_up f WHERE f.agreement_id = %[1]s.id
    AND f.visited_at >= (%[1]s.performance_deadline::timestamp AT TIME ZONE '%[4]s'))`, a, d, asOf, clock.ZoneName)
}
