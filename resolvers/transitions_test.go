package resolvers_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"civiclink/db/workflow"
	"civiclink/internal/hubtest"
)

// flow drives one workflow through the API: create makes a fresh entity in the initial
// status, step makes one legal move, advance names the generic status mutation that
// illegal moves are tried with.
type flow struct {
	machine   *workflow.Machine
	create    func(t *testing.T) entity
	step      func(t *testing.T, e entity, to string) entity
	advance   string // mutation name
	inputType string
	idField   string
	field     string // payload field
	// special lists statuses reached only through a dedicated mutation; advancing to them
	// directly is refused with BAD_USER_INPUT rather than INVALID_TRANSITION.
	special []string
	extra   map[string]any // extra input fields of a plain advance
}

func (f flow) plainStep(t *testing.T, fx *fixtures, e entity, to string) entity {
	t.Helper()
	in := map[string]any{f.idField: e.ID, "version": e.Version, "to": to}
	for k, v := range f.extra {
		in[k] = v
	}
	return fx.mutate(t, f.advance, f.inputType, f.field, in)
}

// typ is the GraphQL type of the flow's entity.
func (f flow) typ() string { return strings.ToUpper(f.field[:1]) + f.field[1:] }

// pathTo returns the shortest list of steps from the initial status to status.
func pathTo(m *workflow.Machine, status string) []string {
	prev := map[string]string{m.Initial: ""}
	queue := []string{m.Initial}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == status {
			break
		}
		for _, n := range m.Allowed(cur) {
			if _, seen := prev[n]; !seen {
				prev[n] = cur
				queue = append(queue, n)
			}
		}
	}
	var path []string
	for s := status; s != m.Initial; s = prev[s] {
		path = append([]string{s}, path...)
	}
	return path
}

// TestEveryTransition walks every legal transition of every workflow through the API, from
// a fresh entity, checking the status, the version bump and the status log; and at every
// status reached it tries every illegal target, which must fail with INVALID_TRANSITION
// naming the current status and the allowed ones and change nothing.
func TestEveryTransition(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	res := fx.try(t, "createProgram", "CreateProgramInput", "program { id }", map[string]any{
		"name": "Test program", "category": "HEALTH_CHECK", "provider": "Clinic",
		"periodStart": "2020-01-01", "periodEnd": "2030-12-31"})
	var created struct {
		M struct{ Program struct{ ID string } }
	}
	res.MustData(t, &created)
	program := created.M.Program

	var flows []flow
	caseFlow := flow{machine: workflow.CaseMachine, advance: "advanceCase", inputType: "AdvanceCaseInput", idField: "caseId", field: "case", special: []string{"REFERRED"}}
	caseFlow.create = func(t *testing.T) entity {
		return fx.mutate(t, "registerCase", "RegisterCaseInput", "case", map[string]any{"stationId": fx.station, "kind": "NON_POLICE",
			"category": "NEIGHBOUR_DISPUTE", "source": "HOTLINE_110", "summary": "noise at night", "gridId": fx.grid})
	}
	caseFlow.step = func(t *testing.T, e entity, to string) entity {
		if to == "REFERRED" {
			return fx.mutate(t, "referCaseToMediation", "ReferCaseToMediationInput", "case", map[string]any{
				"caseId": e.ID, "version": e.Version, "committeeId": fx.committee, "category": "NEIGHBOUR"})
		}
		return caseFlow.plainStep(t, fx, e, to)
	}
	flows = append(flows, caseFlow)

	eventFlow := flow{machine: workflow.GridEventMachine, advance: "advanceGridEvent", inputType: "AdvanceGridEventInput", idField: "gridEventId", field: "gridEvent", special: []string{"CONVERTED"}}
	eventFlow.create = func(t *testing.T) entity {
		return fx.mutate(t, "reportGridEvent", "ReportGridEventInput", "gridEvent", map[string]any{"gridId": fx.grid,
			"category": "PUBLIC_ORDER", "urgency": "NORMAL", "summary": "crowd at the gate"})
	}
	eventFlow.step = func(t *testing.T, e entity, to string) entity {
		if to == "CONVERTED" {
			return fx.mutate(t, "convertGridEvent", "ConvertGridEventInput", "gridEvent", map[string]any{"gridEventId": e.ID,
				"version": e.Version, "into": "DISPUTE", "committeeId": fx.committee, "disputeCategory": "NEIGHBOUR"})
		}
		return eventFlow.plainStep(t, fx, e, to)
	}
	flows = append(flows, eventFlow)

	disputeFlow := flow{machine: workflow.DisputeMachine, advance: "advanceDispute", inputType: "AdvanceDisputeInput", idField: "disputeId", field: "dispute", special: []string{"AGREED"}}
	disputeFlow.create = func(t *testing.T) entity {
		return fx.mutate(t, "registerDispute", "RegisterDisputeInput", "dispute", map[string]any{"committeeId": fx.committee,
			"source": "PARTY_APPLICATION", "category": "NEIGHBOUR", "summary": "a wall", "gridId": fx.grid,
			"parties": []map[string]any{{"personId": fx.person, "side": "APPLICANT"}}})
	}
	disputeFlow.step = func(t *testing.T, e entity, to string) entity {
		if to == "AGREED" {
			// Signed a little ahead of now (within the allowed clock skew), so never before the
			// dispute was received, however long the walk has run under load (a time taken once
			// at the start fell behind disputes registered more than 30 s later).
			signedAt := time.Now().UTC().Add(5 * time.Second).Format(time.RFC3339)
			return fx.mutate(t, "recordAgreement", "RecordAgreementInput", "dispute", map[string]any{"disputeId": e.ID,
				"version": e.Version, "form": "WRITTEN", "terms": "the wall stays", "signedAt": signedAt})
		}
		return disputeFlow.plainStep(t, fx, e, to)
	}
	flows = append(flows, disputeFlow)

	assessmentFlow := flow{machine: workflow.AssessmentMachine, advance: "advanceAssessment", inputType: "AdvanceAssessmentInput", idField: "assessmentId", field: "assessment"}
	assessmentFlow.create = func(t *testing.T) entity {
		return fx.mutate(t, "openAssessment", "OpenAssessmentInput", "assessment", map[string]any{"title": "New market",
			"subjectType": "PROJECT", "responsibleUnit": "Street office", "gridId": fx.grid})
	}
	assessmentFlow.step = func(t *testing.T, e entity, to string) entity {
		in := map[string]any{"assessmentId": e.ID, "version": e.Version, "to": to}
		switch to {
		case "GRADED":
			in["level"] = "MEDIUM"
		case "DECIDED":
			in["decision"] = "PROCEED_WITH_MEASURES"
		}
		return fx.mutate(t, "advanceAssessment", "AdvanceAssessmentInput", "assessment", in)
	}
	flows = append(flows, assessmentFlow)

	itemFlow := flow{machine: workflow.RiskItemMachine, advance: "advanceRiskItem", inputType: "AdvanceRiskItemInput", idField: "riskItemId", field: "riskItem"}
	newItem := func(t *testing.T) entity {
		return fx.mutate(t, "addRiskItem", "AddRiskItemInput", "riskItem", map[string]any{"gridId": fx.grid,
			"dimension": "PUBLIC_ORDER", "description": "crowding", "likelihood": 2, "impact": 2})
	}
	itemFlow.create = newItem
	itemFlow.step = func(t *testing.T, e entity, to string) entity { return itemFlow.plainStep(t, fx, e, to) }
	flows = append(flows, itemFlow)

	measureFlow := flow{machine: workflow.MeasureMachine, advance: "advanceMeasure", inputType: "AdvanceMeasureInput", idField: "measureId", field: "measure"}
	measureFlow.create = func(t *testing.T) entity {
		item := newItem(t)
		return fx.mutate(t, "addMeasure", "AddMeasureInput", "measure", map[string]any{"riskItemId": item.ID,
			"action": "patrol", "ownerUnit": "station", "dueOn": time.Now().AddDate(0, 1, 0).Format(time.DateOnly)})
	}
	measureFlow.step = func(t *testing.T, e entity, to string) entity { return measureFlow.plainStep(t, fx, e, to) }
	flows = append(flows, measureFlow)

	grantFlow := flow{machine: workflow.BenefitGrantMachine, advance: "advanceBenefitGrant", inputType: "AdvanceBenefitGrantInput", idField: "benefitGrantId", field: "benefitGrant"}
	grantFlow.create = func(t *testing.T) entity {
		return fx.mutate(t, "applyForBenefit", "ApplyForBenefitInput", "benefitGrant", map[string]any{"programId": program.ID, "officerId": fx.officer})
	}
	grantFlow.step = func(t *testing.T, e entity, to string) entity {
		in := map[string]any{"benefitGrantId": e.ID, "version": e.Version, "to": to}
		if to == "REJECTED" {
			in["reason"] = "not eligible"
		}
		return fx.mutate(t, "advanceBenefitGrant", "AdvanceBenefitGrantInput", "benefitGrant", in)
	}
	flows = append(flows, grantFlow)

	for _, f := range flows {
		t.Run(f.machine.Name, func(t *testing.T) {
			checked := map[string]bool{}
			for _, from := range f.machine.Statuses() {
				for _, to := range f.machine.Allowed(from) {
					e := f.create(t)
					if e.Status != f.machine.Initial || e.Version != 1 {
						t.Fatalf("new %s is %s v%d, want %s v1", f.machine.Name, e.Status, e.Version, f.machine.Initial)
					}
					for _, s := range append(pathTo(f.machine, from), to) {
						if !checked[e.Status] {
							checked[e.Status] = true
							f.tryIllegal(t, fx, e)
						}
						next := f.step(t, e, s)
						if next.Status != s || next.Version <= e.Version {
							t.Fatalf("%s → %s gave %s v%d (was v%d), want %s with a higher version", e.Status, s, next.Status, next.Version, e.Version, s)
						}
						e = next
					}
					f.checkLog(t, fx.client(f.advance), e)
					if !checked[e.Status] {
						checked[e.Status] = true
						f.tryIllegal(t, fx, e)
					}
				}
			}
			for _, s := range f.machine.Statuses() {
				if !checked[s] {
					t.Errorf("status %s was never reached", s)
				}
			}
		})
	}
}

// tryIllegal tries, in one request, every target that e's status does not allow.
func (f flow) tryIllegal(t *testing.T, fx *fixtures, e entity) {
	t.Helper()
	allowed := f.machine.Allowed(e.Status)
	var b strings.Builder
	var targets []string
	b.WriteString("mutation {")
	for _, to := range f.machine.Statuses() {
		if slices.Contains(allowed, to) {
			continue
		}
		extra := ""
		for k, v := range f.extra {
			extra += fmt.Sprintf(", %s: %q", k, v)
		}
		fmt.Fprintf(&b, " t%d: %s(input: {%s: %q, version: %d, to: %s%s}) { __typename }", len(targets), f.advance, f.idField, e.ID, e.Version, to, extra)
		targets = append(targets, to)
	}
	b.WriteString(" }")
	hub := fx.client(f.advance)
	res := hub.Query(t, b.String(), nil)
	if len(res.Errors) != len(targets) {
		t.Fatalf("from %s: %d errors for %d illegal targets: %s", e.Status, len(res.Errors), len(targets), res.Raw)
	}
	for _, er := range res.Errors {
		alias, _ := er.Path[0].(string)
		var i int
		fmt.Sscanf(alias, "t%d", &i)
		to := targets[i]
		want := "INVALID_TRANSITION"
		if slices.Contains(f.special, to) {
			want = "BAD_USER_INPUT"
		}
		if er.Code() != want {
			t.Errorf("%s → %s: code %s (%s), want %s", e.Status, to, er.Code(), er.Message, want)
			continue
		}
		if want == "INVALID_TRANSITION" {
			got, _ := json.Marshal(er.Extensions["allowed"])
			wantAllowed, _ := json.Marshal(allowed)
			if allowed == nil {
				wantAllowed = []byte("[]")
			}
			if er.Extensions["current"] != e.Status || string(got) != string(wantAllowed) {
				t.Errorf("%s → %s: extensions %v, want current %s and allowed %s", e.Status, to, er.Extensions, e.Status, wantAllowed)
			}
		}
	}
	// Nothing changed.
	res = hub.Query(t, fmt.Sprintf(`query($id: ID!) { node(id: $id) { ... on %s { status version } } }`, f.typ()), map[string]any{"id": e.ID})
	var d struct{ Node entity }
	res.MustData(t, &d)
	if d.Node.Status != e.Status || d.Node.Version != e.Version {
		t.Errorf("refused transitions changed %s v%d into %s v%d", e.Status, e.Version, d.Node.Status, d.Node.Version)
	}
}

// checkLog checks that the entity's status log ends in its status and has one row per step.
func (f flow) checkLog(t *testing.T, hub *hubtest.Hub, e entity) {
	t.Helper()
	if f.machine == workflow.MeasureMachine {
		return // measures keep no status log
	}
	res := hub.Query(t, fmt.Sprintf(`query($id: ID!) { node(id: $id) { ... on %s { statusLog { toStatus } } } }`, f.typ()), map[string]any{"id": e.ID})
	var d struct {
		Node struct{ StatusLog []struct{ ToStatus string } }
	}
	res.MustData(t, &d)
	log := d.Node.StatusLog
	if len(log) != e.Version || log[len(log)-1].ToStatus != e.Status || log[0].ToStatus != f.machine.Initial {
		t.Errorf("status log %v of a %s at %s v%d: want %d rows from %s to %s", log, f.machine.Name, e.Status, e.Version, e.Version, f.machine.Initial, e.Status)
	}
}
