package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/events"
	"civiclink/internal/hubtest"
)

// introType is a type of the schema as introspection describes it.
type introType struct {
	Kind   string
	Name   string
	Fields []introField
}

type introField struct {
	Name string
	Args []struct {
		Name         string
		DefaultValue *string
		Type         introRef
	}
	Type introRef
}

// introRef is a type reference, wrappers (NON_NULL, LIST) included.
type introRef struct {
	Kind   string
	Name   *string
	OfType *introRef
}

func (r introRef) named() (kind, name string) {
	for r.Name == nil && r.OfType != nil {
		r = *r.OfType
	}
	if r.Name == nil {
		return r.Kind, ""
	}
	return r.Kind, *r.Name
}

func (r introRef) required() bool { return r.Kind == "NON_NULL" }

const introspection = `{ __schema { queryType { name } subscriptionType { name } types { kind name
  fields { name type { ...R } args { name defaultValue type { ...R } } } } } }
fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`

// analystRowTypes are the record types an analyst sees only as aggregates: any field
// returning one (or a connection or list of them) must refuse an analyst with FORBIDDEN and
// a hint to the *Stats fields.
var analystRowTypes = []string{"Case", "CaseParty", "Officer", "Dispute", "DisputeParty", "DisputeMediator",
	"MediationSession", "Agreement", "FollowUp", "GridEvent", "Person", "BenefitGrant", "Assessment", "RiskItem",
	"Measure", "AccessLogEntry", "UrgentItem", "OverdueAgreement", "WorkflowEvent"}

// analystReadableTypes are the object types an analyst reads: reference data without
// personal details (the keys of the aggregates) and the aggregates themselves.
var analystReadableTypes = []string{"OfficerGrid", "AllianceMembership", "Committee", "Community", "Estate", "Grid", "GridRedraw",
	"GridVersion", "GridWorker", "Mediator", "Program", "PropertyCompany", "Rule", "RuleChange", "Station", "Survey", "SurveySummary"}

// abstractChecked are the fields of interface or union type an analyst can reach, with the
// test that checks what they return to an analyst.
var abstractChecked = map[string]string{
	"Query.node":  "TestAnalystRowListsForbidden (node, nodes)",
	"Query.nodes": "TestAnalystRowListsForbidden (node, nodes)",
}

// TestAnalystReachesNoRows walks the schema from every root field of Query and Subscription
// that an analyst may ask (the root row lists are refused, TestAnalystRowListsForbidden),
// through every object type reachable from them, and asks, as an analyst, every field that
// returns records (a type of analystRowTypes, or a connection or list of one) by the
// shortest path there: each answers FORBIDDEN with the hint to the aggregates, and the raw
// answer holds no record (no typename or total of the record type). Every object type the
// walk reaches must be classified, so a new type or field is checked as soon as it exists.
func TestAnalystReachesNoRows(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	analyst := hub.As(t, auth.Analyst, auth.ScopeClaims{})
	var schema struct {
		Schema struct {
			QueryType        struct{ Name string }
			SubscriptionType *struct{ Name string }
			Types            []introType
		} `json:"__schema"`
	}
	hub.As(t, auth.Admin, auth.ScopeClaims{}).Query(t, introspection, nil).MustData(t, &schema)
	types := map[string]introType{}
	for _, ty := range schema.Schema.Types {
		types[ty.Name] = ty
	}
	isRow := func(name string) bool {
		return slices.Contains(analystRowTypes, strings.TrimSuffix(name, "Connection"))
	}

	// A path is the selection leading to a type: the text before the field's own selection,
	// and the closing braces after it.
	type path struct{ open, close string }
	args := func(f introField) (string, bool) {
		var out []string
		for _, a := range f.Args {
			switch {
			case a.Name == "first" || a.Name == "last":
				if a.Name == "first" {
					out = append(out, "first: 2")
				}
			case a.Type.required() && a.DefaultValue == nil:
				return "", false // needs a value the walk cannot invent
			}
		}
		if len(out) == 0 {
			return "", true
		}
		return "(" + strings.Join(out, ", ") + ")", true
	}
	reached := map[string]path{}
	var queue []string
	var cases []struct{ where, query, rowType string }
	var unreachable, abstract, viaSubscription []string
	visit := func(from path, owner string, f introField) {
		kind, name := f.Type.named()
		a, ok := args(f)
		if isRow(name) {
			if !ok {
				unreachable = append(unreachable, owner+"."+f.Name)
				return
			}
			sel := "{ __typename }"
			if strings.HasSuffix(name, "Connection") {
				sel = "{ totalCount nodes { __typename } }"
			}
			if strings.HasPrefix(from.open, "subscription") {
				viaSubscription = append(viaSubscription, owner+"."+f.Name)
				return
			}
			cases = append(cases, struct{ where, query, rowType string }{owner + "." + f.Name, from.open + f.Name + a + " " + sel + from.close, strings.TrimSuffix(name, "Connection")})
			return
		}
		if kind == "INTERFACE" || kind == "UNION" {
			abstract = append(abstract, owner+"."+f.Name)
			return
		}
		if kind != "OBJECT" || !ok {
			return
		}
		if _, seen := reached[name]; seen {
			return
		}
		reached[name] = path{from.open + f.Name + a + " { __typename ", " }" + from.close}
		queue = append(queue, name)
	}
	roots := []struct{ op, typ string }{{"", schema.Schema.QueryType.Name}}
	if schema.Schema.SubscriptionType != nil {
		roots = append(roots, struct{ op, typ string }{"subscription ", schema.Schema.SubscriptionType.Name})
	}
	// The reference lists first, so that each type is reached where it has rows (a *Stats
	// group's keys are null unless grouped by them); the aggregates' own types after.
	for _, stats := range []bool{false, true} {
		for _, root := range roots {
			for _, f := range types[root.typ].Fields {
				if _, name := f.Type.named(); isRow(name) || strings.HasPrefix(f.Name, "__") || strings.HasSuffix(f.Name, "Stats") != stats {
					if isRow(name) && root.op != "" && !slices.Contains(subscriptionsChecked, f.Name) {
						t.Errorf("subscription %s returns records: add it to TestAnalystSubscriptionsRefuseRows", f.Name)
					}
					continue // a root row list: TestAnalystRowListsForbidden, TestAnalystSubscriptionsRefuseRows
				}
				visit(path{root.op + "{ ", " }"}, root.typ, f)
			}
		}
		for len(queue) > 0 {
			name := queue[0]
			queue = queue[1:]
			for _, f := range types[name].Fields {
				visit(reached[name], name, f)
			}
		}
	}
	var unclassified []string
	for name := range reached {
		if !slices.Contains(analystReadableTypes, name) && !strings.HasSuffix(name, "StatsGroup") && !strings.HasSuffix(name, "Connection") &&
			!strings.HasSuffix(name, "Edge") && name != "PageInfo" {
			unclassified = append(unclassified, name)
		}
	}
	sort.Strings(unclassified)
	for _, u := range unclassified {
		t.Errorf("type %s is reachable by an analyst but neither a record type (analystRowTypes) nor readable reference data (analystReadableTypes): classify it", u)
	}
	for _, a := range abstract {
		if _, ok := abstractChecked[a]; !ok {
			t.Errorf("%s returns an interface or union, whose records the walk cannot tell apart: check it by hand and add it to abstractChecked", a)
		}
	}
	for _, v := range viaSubscription {
		t.Errorf("%s returns records under a subscription's payload only: add it to TestAnalystSubscriptionsRefuseRows", v)
	}
	for _, u := range unreachable {
		t.Errorf("%s returns records but needs arguments the walk cannot give: test it by hand", u)
	}
	if len(cases) == 0 {
		t.Fatal("the walk found no field returning records under what an analyst may read; the test walks nothing")
	}
	for _, c := range cases {
		t.Run(c.where, func(t *testing.T) {
			res := analyst.Query(t, c.query, nil)
			forbidden := false
			for _, e := range res.Errors {
				hint, _ := e.Extensions["hint"].(string)
				if e.Code() == "FORBIDDEN" && strings.Contains(hint, "Stats") && len(e.Path) > 0 && e.Path[len(e.Path)-1] == lastField(c.where) {
					forbidden = true
				}
			}
			if !forbidden {
				t.Errorf("analyst asking %s\n%s\ngot %s\nwant FORBIDDEN at %s with a hint to the *Stats fields", c.where, c.query, res.Raw, lastField(c.where))
			}
			if bytes.Contains(res.Raw, []byte(fmt.Sprintf(`"__typename":%q`, c.rowType))) || bytes.Contains(res.Raw, []byte(`"totalCount"`)) {
				t.Errorf("analyst asking %s: the answer holds records: %s", c.where, res.Raw)
			}
		})
	}
	t.Logf("%d fields returning records under %d types an analyst reads, each refused", len(cases), len(reached))
}

// subscriptionsChecked are the subscriptions TestAnalystSubscriptionsRefuseRows asks.
var subscriptionsChecked = []string{"workflowEvents", "urgentQueue"}

// TestAnalystSubscriptionsRefuseRows subscribes, as an analyst, to every subscription (each
// returns records: workflow events all concern a case, dispute, grid event, risk item or
// measure) and wants FORBIDDEN with the hint to the aggregates, not a stream that stays
// silent because no event's record is visible; a workflow event committed meanwhile does not
// reach the analyst (raw bytes).
func TestAnalystSubscriptionsRefuseRows(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	analyst := hub.As(t, auth.Analyst, auth.ScopeClaims{})
	for _, tc := range []struct{ name, query, stats string }{
		{"workflowEvents", `subscription { workflowEvents { id kind subject { __typename } grid { code } } }`, "caseStats"},
		{"urgentQueue", `subscription { urgentQueue { workflow minutesLeft } }`, "responseStats"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialSubscription(t, analyst, tc.query, nil)
			if _, err := hub.Pool.Exec(context.Background(), `WITH ins AS (
					INSERT INTO hub.outbox (topic, payload, entity_type, entity_id)
					SELECT 'CASE_STATUS_CHANGED', '{}', 'Case', min(id) FROM police."case" RETURNING id, entity_id, created_at)
				SELECT pg_notify($1, jsonb_build_object('id', id, 'kind', 'CASE_STATUS_CHANGED', 'at', created_at,
					'entityType', 'Case', 'entityId', entity_id, 'actor', 'test:analyst')::text) FROM ins`, events.Channel); err != nil {
				t.Fatal(err)
			}
			m := c.read(5 * time.Second)
			raw, _ := json.Marshal(m)
			var p struct {
				Errors []struct {
					Extensions map[string]any
				}
			}
			b, _ := json.Marshal(m["payload"])
			_ = json.Unmarshal(b, &p)
			forbidden := false
			for _, e := range p.Errors {
				hint, _ := e.Extensions["hint"].(string)
				forbidden = forbidden || e.Extensions["code"] == "FORBIDDEN" && strings.Contains(hint, tc.stats)
			}
			if !forbidden {
				t.Errorf("analyst subscribing %s: got %s, want FORBIDDEN with a hint naming %s", tc.name, raw, tc.stats)
			}
			if bytes.Contains(raw, []byte(`"__typename"`)) || bytes.Contains(raw, []byte(`"minutesLeft"`)) {
				t.Errorf("analyst subscribing %s: the message holds records: %s", tc.name, raw)
			}
		})
	}
}

func lastField(where string) string { return where[strings.LastIndex(where, ".")+1:] }
