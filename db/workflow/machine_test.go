package workflow

import (
	"errors"
	"slices"
	"testing"
)

// The legal transitions exactly as the domain design lists them; the machines must allow
// these and nothing else.
var designEdges = map[*Machine][][2]string{
	CaseMachine: {
		{"RECEIVED", "DISPATCHED"}, {"DISPATCHED", "ON_SCENE"}, {"ON_SCENE", "ACCEPTED"}, {"ACCEPTED", "INVESTIGATING"},
		{"INVESTIGATING", "DECIDED"}, {"DECIDED", "CLOSED"}, {"ON_SCENE", "NON_POLICE"}, {"NON_POLICE", "REFERRED"},
		{"REFERRED", "CLOSED"}, {"INVESTIGATING", "POLICE_MEDIATION"}, {"POLICE_MEDIATION", "AGREED"}, {"AGREED", "CLOSED"},
		{"POLICE_MEDIATION", "FAILED"}, {"FAILED", "DECIDED"}, {"INVESTIGATING", "TERMINATED"}, {"INVESTIGATING", "TRANSFERRED"},
	},
	GridEventMachine: {
		{"REPORTED", "FILED"}, {"REPORTED", "CANCELLED"}, {"FILED", "DISPATCHED"}, {"DISPATCHED", "HANDLING"},
		{"HANDLING", "FEEDBACK"}, {"FEEDBACK", "CHECKED"}, {"CHECKED", "CLOSED"}, {"FEEDBACK", "DISPATCHED"},
		{"REPORTED", "CONVERTED"}, {"FILED", "CONVERTED"}, {"DISPATCHED", "CONVERTED"}, {"HANDLING", "CONVERTED"},
		{"FEEDBACK", "CONVERTED"}, {"CHECKED", "CONVERTED"},
	},
	DisputeMachine: {
		{"RECEIVED", "ACCEPTED"}, {"RECEIVED", "DECLINED"}, {"ACCEPTED", "IN_MEDIATION"}, {"IN_MEDIATION", "AGREED"},
		{"IN_MEDIATION", "FAILED"}, {"IN_MEDIATION", "WITHDRAWN"}, {"AGREED", "PERFORMING"}, {"PERFORMING", "PERFORMED"},
		{"PERFORMED", "ARCHIVED"}, {"PERFORMING", "DEFAULTED"}, {"DEFAULTED", "PERFORMED"}, {"DEFAULTED", "LITIGATION"},
	},
	AssessmentMachine: {
		{"PROPOSED", "PLANNED"}, {"PLANNED", "CONSULTING"}, {"CONSULTING", "ANALYSING"}, {"ANALYSING", "GRADED"},
		{"GRADED", "REPORTED"}, {"REPORTED", "DECIDED"}, {"DECIDED", "MONITORING"}, {"MONITORING", "CLOSED"},
		{"GRADED", "CONSULTING"}, {"MONITORING", "CONSULTING"},
	},
	RiskItemMachine:     {{"IDENTIFIED", "MITIGATING"}, {"MITIGATING", "RESOLVED"}, {"MITIGATING", "ESCALATED"}},
	MeasureMachine:      {{"PLANNED", "IN_PROGRESS"}, {"IN_PROGRESS", "DONE"}},
	BenefitGrantMachine: {{"APPLIED", "APPROVED"}, {"APPROVED", "DELIVERED"}, {"APPLIED", "REJECTED"}},
}

// TestMachinesMatchDesign checks every ordered pair of statuses of every workflow: a legal
// step passes Check, anything else is a *TransitionError naming the allowed steps.
func TestMachinesMatchDesign(t *testing.T) {
	t.Parallel()
	for m, edges := range designEdges {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			legal := map[[2]string]bool{}
			for _, e := range edges {
				legal[e] = true
			}
			statuses := m.Statuses()
			for _, from := range statuses {
				for _, to := range statuses {
					err := m.Check(from, to)
					if legal[[2]string{from, to}] {
						if err != nil {
							t.Errorf("%s → %s refused (%v), want allowed", from, to, err)
						}
						continue
					}
					var te *TransitionError
					if !errors.As(err, &te) {
						t.Errorf("%s → %s: got %v, want a *TransitionError", from, to, err)
						continue
					}
					if !slices.Equal(te.Allowed, m.Allowed(from)) || te.From != from || te.To != to {
						t.Errorf("%s → %s: error %+v does not name the current status and the allowed ones", from, to, te)
					}
				}
			}
			for _, f := range m.Final {
				if !slices.Contains(statuses, f) {
					t.Errorf("closing status %s is not a status of the workflow", f)
				}
			}
		})
	}
}

// TestLifecyclesNameTheirField: each lifecycle names the input field of its entities, which
// Transition reports a missing one on.
func TestLifecyclesNameTheirField(t *testing.T) {
	for _, l := range []*Lifecycle{Cases, GridEvents, Disputes, Assessments, RiskItems, Measures, BenefitGrants} {
		if l.Field == "" {
			t.Errorf("the %s lifecycle names no input field", l.Machine.Name)
		}
	}
}
