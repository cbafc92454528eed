package resolvers_test

import (
	"encoding/json"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// TestPracticesExamples runs every practices-* playground example with its saved variables,
// as an analyst and as an admin, and wants data without errors and, for the admin (who sees
// every record), no empty list: the urgent queue's example looks from the seed's reference
// time, when its live records await their response.
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
		for _, role := range []string{auth.Analyst, auth.Admin} {
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
