package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestREADMEListsEverySetting: the README's configuration table has a row for every
// setting, with its flag and default, so the table stays the one place to look.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.SplitSeq(string(readme), "\n") {
		if strings.HasPrefix(line, "| `") {
			cells := strings.Split(line, "|")
			rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = line
		}
	}
	for _, s := range Settings {
		row, ok := rows[s.Env]
		if !ok {
			t.Errorf("README configuration table has no row for %s", s.Env)
			continue
		}
		def := "—"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		if !strings.Contains(row, "`-"+s.Flag+"`") || !strings.Contains(row, "| "+def+" |") {
			t.Errorf("README row for %s should show flag -%s and default %s: %s", s.Env, s.Flag, def, row)
		}
	}
}

// TestLoad: defaults, environment, flags over environment, and refused values.
func TestLoad(t *testing.T) {
	t.Setenv("CIVICLINK_RATE_LIMIT_IP", "7.5")
	t.Setenv("CIVICLINK_MAX_FIELDS", "300")
	c, err := Load("test", []string{"-max-fields", "400", "-persisted-queries", "only"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxDepth != 12 || c.MaxComplexity != 50000 || c.MaxBodyBytes != 1<<20 || c.RequestTimeout != 30*time.Second ||
		c.RateLimitBurst != 100 || c.ShutdownTimeout != 20*time.Second || c.LogFormat != "text" {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.RateLimitIP != 7.5 || c.MaxFields != 400 || c.PersistedQueries != "only" {
		t.Errorf("environment or flags not applied: ip %v, fields %d (flag 400 over env 300), persisted %q", c.RateLimitIP, c.MaxFields, c.PersistedQueries)
	}
	for _, bad := range [][]string{
		{"-persisted-queries", "sometimes"}, {"-log-format", "xml"}, {"-max-depth", "0"}, {"-request-timeout", "soon"},
	} {
		if _, err := Load("test", bad); err == nil {
			t.Errorf("Load(%v) accepted a bad value", bad)
		}
	}
}
