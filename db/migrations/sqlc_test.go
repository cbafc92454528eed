package migrations_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is where sqlc.yaml lives, seen from this package's folder.
const repoRoot = "../.."

// sqlcExcluded lists the migrations sqlc.yaml leaves out of the schema sqlc reads, why,
// and the names sqlc then does not know (columns, views, functions): no query of a domain
// may use them, since sqlc would reject or mistype the statement.
var sqlcExcluded = map[string]struct {
	reason string
	drops  []string
}{
	"00110_row_security_everywhere.sql": {
		reason: "the view welfare.survey_summary selects columns of hub.survey_figures(), a function RETURNS TABLE, " +
			"and sqlc cannot resolve them (column \"respondents\" does not exist)",
		drops: []string{"street_linked", "written_in", "survey_summary", "survey_figures", "relink_cases",
			"mediator_disputes", "mediator_cases", "mediator_persons", "station_risk_items", "officer_grids",
			"committee_grids", "community_grids", "secure_reference"},
	},
	"00321_survey_figures_per_round.sql": {
		reason: "it replaces the view welfare.survey_summary of 00110 and drops hub.survey_figures(), which sqlc does " +
			"not know without 00110 (relation \"survey_figures\" does not exist)",
		drops: []string{"survey_summary", "survey_round_figures"},
	},
}

type sqlcConfig struct {
	SQL []struct {
		Schema  []string `yaml:"schema"`
		Queries string   `yaml:"queries"`
	} `yaml:"sql"`
}

func readSQLCConfig(t *testing.T) sqlcConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "sqlc.yaml"))
	if err != nil {
		t.Fatalf("read sqlc.yaml: %v", err)
	}
	var c sqlcConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("parse sqlc.yaml: %v", err)
	}
	if len(c.SQL) == 0 {
		t.Fatal("sqlc.yaml: expected at least one sql entry, found none")
	}
	return c
}

// migrationFiles lists the migrations in the order goose applies them.
func migrationFiles(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob("*.sql")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// TestSQLCReadsEveryMigration: every sql entry of sqlc.yaml reads every migration, once and
// in goose's order, except the justified exclusions, which must exist.
func TestSQLCReadsEveryMigration(t *testing.T) {
	all := migrationFiles(t)
	var want []string
	for _, name := range all {
		if _, ok := sqlcExcluded[name]; !ok {
			want = append(want, name)
		}
	}
	for name, ex := range sqlcExcluded {
		if !slices.Contains(all, name) {
			t.Errorf("sqlcExcluded names %s, which is not a migration: remove it", name)
		}
		if ex.reason == "" || len(ex.drops) == 0 {
			t.Errorf("sqlcExcluded[%s]: expected a reason and the names sqlc then lacks", name)
		}
	}
	for _, entry := range readSQLCConfig(t).SQL {
		var got []string
		for _, pattern := range entry.Schema {
			matches, err := filepath.Glob(filepath.Join(repoRoot, pattern))
			if err != nil {
				t.Fatalf("sqlc.yaml (%s): schema pattern %q: %v", entry.Queries, pattern, err)
			}
			for _, m := range matches {
				got = append(got, filepath.Base(m))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("sqlc.yaml (%s): schema reads\n  %v\nexpected every migration but the excluded ones, in order:\n  %v\n"+
				"(adjust the globs, or exclude a migration sqlc cannot parse in sqlcExcluded with its reason)", entry.Queries, got, want)
		}
	}
}

// TestSQLCQueriesAvoidExcludedNames: no domain query uses what an excluded migration adds.
func TestSQLCQueriesAvoidExcludedNames(t *testing.T) {
	for _, entry := range readSQLCConfig(t).SQL {
		files, err := filepath.Glob(filepath.Join(repoRoot, entry.Queries, "*.sql"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for name, ex := range sqlcExcluded {
				for _, ident := range ex.drops {
					if regexp.MustCompile(`\b` + regexp.QuoteMeta(ident) + `\b`).Match(b) {
						t.Errorf("%s uses %s, which only %s (excluded from sqlc's schema) creates: keep it in hand-written SQL", f, ident, name)
					}
				}
			}
		}
	}
}

// TestSQLCExclusionsAreNeeded: each excluded migration still fails sqlc, so an exclusion
// that a fix in sqlc (or in the migration) made unnecessary is noticed and dropped.
func TestSQLCExclusionsAreNeeded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool sqlc")
	}
	all := migrationFiles(t)
	for name := range sqlcExcluded {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var schema []string
			for _, m := range all {
				if _, ex := sqlcExcluded[m]; ex && m != name {
					continue
				}
				// sqlc reads schema paths relative to its configuration file.
				abs, err := filepath.Abs(m)
				if err != nil {
					t.Fatal(err)
				}
				rel, err := filepath.Rel(dir, abs)
				if err != nil {
					t.Fatal(err)
				}
				schema = append(schema, rel)
				if m == name {
					break
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "q.sql"), []byte("-- name: One :one\nSELECT 1;\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := "version: \"2\"\nsql:\n  - engine: postgresql\n    queries: q.sql\n    schema:\n"
			for _, s := range schema {
				cfg += "      - " + s + "\n"
			}
			if err := os.WriteFile(filepath.Join(dir, "sqlc.yaml"), []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("go", "tool", "sqlc", "vet", "-f", filepath.Join(dir, "sqlc.yaml"))
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("sqlc compiles a schema with %s: expected it to fail (%s); take the migration back into sqlc.yaml's globs and drop it from sqlcExcluded",
					name, sqlcExcluded[name].reason)
			}
			if !strings.Contains(string(out), name) {
				t.Fatalf("sqlc failed, but not on %s, as expected:\n%s", name, out)
			}
		})
	}
}
