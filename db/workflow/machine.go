// Package workflow enforces the agencies' state machines and carries out status changes:
// each workflow is one table of legal transitions, and every change of status goes through
// Lifecycle.Transition, which locks the row, checks the version the client read, checks the
// transition, writes the status log and bumps the version, inside the caller's transaction.
package workflow

import (
	"fmt"
	"slices"
	"strings"

	"civiclink/internal/apierr"
)

// Machine is the table of legal transitions of one workflow.
type Machine struct {
	// Name names the workflow in errors ("case", "dispute", …).
	Name string
	// Initial is the status a new entity starts in.
	Initial string
	// Next maps each status to the statuses it may move to.
	Next map[string][]string
	// Final lists the statuses that close the entity: closed_at is set on entering them. A
	// closed entity may still have bookkeeping steps (a PERFORMED dispute is ARCHIVED).
	Final []string
}

// TransitionError reports a status change the workflow does not allow.
type TransitionError struct {
	Workflow string
	From, To string
	Allowed  []string
}

func (e *TransitionError) Error() string {
	allowed := "none: it is final"
	if len(e.Allowed) > 0 {
		allowed = strings.Join(e.Allowed, ", ")
	}
	return fmt.Sprintf("a %s cannot move from %s to %s; allowed from %s: %s", e.Workflow, e.From, e.To, e.From, allowed)
}

// Allowed returns the statuses reachable from status in one step.
func (m *Machine) Allowed(status string) []string { return m.Next[status] }

// Check returns a *TransitionError unless from → to is a legal step.
func (m *Machine) Check(from, to string) error {
	if slices.Contains(m.Next[from], to) {
		return nil
	}
	return &TransitionError{Workflow: m.Name, From: from, To: to, Allowed: m.Next[from]}
}

// IsFinal reports whether status closes the entity.
func (m *Machine) IsFinal(status string) bool { return slices.Contains(m.Final, status) }

// Statuses returns every status the machine knows, sorted.
func (m *Machine) Statuses() []string {
	set := map[string]bool{m.Initial: true}
	for from, tos := range m.Next {
		set[from] = true
		for _, to := range tos {
			set[to] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// The workflows of the domain design. Anything not listed is refused.
var (
	// CaseMachine: RECEIVED → DISPATCHED → ON_SCENE → ACCEPTED → INVESTIGATING → DECIDED →
	// CLOSED; ON_SCENE → NON_POLICE → REFERRED → CLOSED; INVESTIGATING → POLICE_MEDIATION →
	// AGREED → CLOSED, or POLICE_MEDIATION → FAILED → DECIDED; INVESTIGATING → TERMINATED |
	// TRANSFERRED.
	CaseMachine = &Machine{
		Name:    "case",
		Initial: "RECEIVED",
		Next: map[string][]string{
			"RECEIVED":         {"DISPATCHED"},
			"DISPATCHED":       {"ON_SCENE"},
			"ON_SCENE":         {"ACCEPTED", "NON_POLICE"},
			"ACCEPTED":         {"INVESTIGATING"},
			"INVESTIGATING":    {"DECIDED", "POLICE_MEDIATION", "TERMINATED", "TRANSFERRED"},
			"DECIDED":          {"CLOSED"},
			"NON_POLICE":       {"REFERRED"},
			"REFERRED":         {"CLOSED"},
			"POLICE_MEDIATION": {"AGREED", "FAILED"},
			"AGREED":           {"CLOSED"},
			"FAILED":           {"DECIDED"},
		},
		Final: []string{"CLOSED", "TERMINATED", "TRANSFERRED"},
	}

	// GridEventMachine: REPORTED → FILED | CANCELLED; FILED → DISPATCHED → HANDLING →
	// FEEDBACK → CHECKED → CLOSED; a failed check (FEEDBACK) goes back to DISPATCHED; any open
	// state → CONVERTED.
	GridEventMachine = &Machine{
		Name:    "grid event",
		Initial: "REPORTED",
		Next: map[string][]string{
			"REPORTED":   {"FILED", "CANCELLED", "CONVERTED"},
			"FILED":      {"DISPATCHED", "CONVERTED"},
			"DISPATCHED": {"HANDLING", "CONVERTED"},
			"HANDLING":   {"FEEDBACK", "CONVERTED"},
			"FEEDBACK":   {"CHECKED", "DISPATCHED", "CONVERTED"},
			"CHECKED":    {"CLOSED", "CONVERTED"},
		},
		Final: []string{"CLOSED", "CANCELLED", "CONVERTED"},
	}

	// DisputeMachine: RECEIVED → ACCEPTED | DECLINED; ACCEPTED → IN_MEDIATION → AGREED |
	// FAILED | WITHDRAWN; AGREED → PERFORMING → PERFORMED → ARCHIVED; PERFORMING → DEFAULTED →
	// PERFORMED | LITIGATION.
	DisputeMachine = &Machine{
		Name:    "dispute",
		Initial: "RECEIVED",
		Next: map[string][]string{
			"RECEIVED":     {"ACCEPTED", "DECLINED"},
			"ACCEPTED":     {"IN_MEDIATION"},
			"IN_MEDIATION": {"AGREED", "FAILED", "WITHDRAWN"},
			"AGREED":       {"PERFORMING"},
			"PERFORMING":   {"PERFORMED", "DEFAULTED"},
			"PERFORMED":    {"ARCHIVED"},
			"DEFAULTED":    {"PERFORMED", "LITIGATION"},
		},
		Final: []string{"DECLINED", "FAILED", "WITHDRAWN", "PERFORMED", "ARCHIVED", "LITIGATION"},
	}

	// AssessmentMachine: PROPOSED → PLANNED → CONSULTING → ANALYSING → GRADED → REPORTED →
	// DECIDED → MONITORING → CLOSED; GRADED or MONITORING → CONSULTING when conditions change.
	AssessmentMachine = &Machine{
		Name:    "risk assessment",
		Initial: "PROPOSED",
		Next: map[string][]string{
			"PROPOSED":   {"PLANNED"},
			"PLANNED":    {"CONSULTING"},
			"CONSULTING": {"ANALYSING"},
			"ANALYSING":  {"GRADED"},
			"GRADED":     {"REPORTED", "CONSULTING"},
			"REPORTED":   {"DECIDED"},
			"DECIDED":    {"MONITORING"},
			"MONITORING": {"CLOSED", "CONSULTING"},
		},
		Final: []string{"CLOSED"},
	}

	// RiskItemMachine: IDENTIFIED → MITIGATING → RESOLVED | ESCALATED.
	RiskItemMachine = &Machine{
		Name:    "risk item",
		Initial: "IDENTIFIED",
		Next: map[string][]string{
			"IDENTIFIED": {"MITIGATING"},
			"MITIGATING": {"RESOLVED", "ESCALATED"},
		},
		Final: []string{"RESOLVED", "ESCALATED"},
	}

	// MeasureMachine: PLANNED → IN_PROGRESS → DONE.
	MeasureMachine = &Machine{
		Name:    "measure",
		Initial: "PLANNED",
		Next: map[string][]string{
			"PLANNED":     {"IN_PROGRESS"},
			"IN_PROGRESS": {"DONE"},
		},
		Final: []string{"DONE"},
	}

	// BenefitGrantMachine: APPLIED → APPROVED → DELIVERED, or APPLIED → REJECTED.
	BenefitGrantMachine = &Machine{
		Name:    "benefit grant",
		Initial: "APPLIED",
		Next: map[string][]string{
			"APPLIED":  {"APPROVED", "REJECTED"},
			"APPROVED": {"DELIVERED"},
		},
		Final: []string{"DELIVERED", "REJECTED"},
	}
)

// ErrorCode is the GraphQL extensions.code of a refused transition.
func (e *TransitionError) ErrorCode() string { return apierr.InvalidTransition }

// ErrorExtensions names the current status and the allowed ones.
func (e *TransitionError) ErrorExtensions() map[string]any {
	allowed := e.Allowed
	if allowed == nil {
		allowed = []string{}
	}
	return map[string]any{"current": e.From, "requested": e.To, "allowed": allowed}
}
