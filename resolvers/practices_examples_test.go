package resolvers_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// exampleRole is an example's "# As ROLE …" comment: the role it is written for (a row list
// names the working roles; an analyst is refused it). Without one it is for anyone, analysts
// included.
var exampleRole = regexp.MustCompile(`(?m)^# As ([A-Z_]+)\b`)

// TestPracticesExamples runs every practices-* playground example with its saved variables,
// as the role it is written for (ANALYST unless an "# As ROLE" comment names another) and as
// an admin, and wants data without errors and, for the admin (who sees every record), no
// empty list: the urgent queue's example looks from the seed's reference time, when its live
// records await their response. An example for working roles is refused to an analyst.
func TestPracticesExamples(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, e := range examples {
		if !strings.HasPrefix(e.Name, "practices-") {
			continue
		}
		ran++
		var vars map[string]any
		if e.Variables != "" {
			if err := json.Unmarshal([]byte(e.Variables), &vars); err != nil {
				t.Fatalf("%s: variables: %v", e.Name, err)
			}
		}
		role := auth.Analyst
		if m := exampleRole.FindStringSubmatch(e.Query); m != nil {
			role = m[1]
			if res := hub.As(t, auth.Analyst, auth.ScopeClaims{}).Query(t, e.Query, vars); len(res.Errors) == 0 || res.Errors[0].Code() != "FORBIDDEN" {
				t.Errorf("example %s (for %s) as ANALYST: %.300s, want FORBIDDEN with a hint to the aggregates", e.Name, role, res.Raw)
			}
		}
		for _, role := range []string{role, auth.Admin} {
			var data map[string]json.RawMessage
			hub.As(t, role, auth.ScopeClaims{}).Query(t, e.Query, vars).MustData(t, &data)
			for field, raw := range data {
				var list []json.RawMessage
				if json.Unmarshal(raw, &list) == nil && len(list) == 0 && role == auth.Admin {
					t.Errorf("example %s as %s: %s is empty", e.Name, role, field)
				}
			}
		}
	}
	if ran == 0 {
		t.Fatal("no practices-* example in the playground")
	}
}
