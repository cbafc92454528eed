package config

import (
	"flag"
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
	if c.MaxDepth != 12 || c.MaxComplexity != 150000 || c.MaxBodyBytes != 1<<20 || c.RequestTimeout != 30*time.Second ||
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

// TestBind: a command gets flags for its own settings only, the others still come from the
// environment, and help shows documented defaults, never an environment value.
func TestBind(t *testing.T) {
	t.Setenv("CIVICLINK_JWT_SECRET", "env-secret-value-0123456789abcdef")
	t.Setenv("CIVICLINK_MAX_DEPTH", "9")
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var help strings.Builder
	fs.SetOutput(&help)
	build := Bind(fs, Database)
	if err := fs.Parse([]string{"-statement-timeout", "1m"}); err != nil {
		t.Fatal(err)
	}
	c, err := build()
	if err != nil {
		t.Fatal(err)
	}
	if c.StatementTimeout != time.Minute || c.MaxDepth != 9 || c.JWTSecret != "env-secret-value-0123456789abcdef" {
		t.Errorf("expected flag 1m, env depth 9 and env secret, got %v, %d, %q", c.StatementTimeout, c.MaxDepth, c.JWTSecret)
	}
	if fs.Lookup("addr") != nil || fs.Lookup("max-depth") != nil {
		t.Error("expected no serve-only flags on a Database flag set")
	}
	all := flag.NewFlagSet("serve", flag.ContinueOnError)
	all.SetOutput(&help)
	Bind(all, nil)
	all.PrintDefaults()
	if strings.Contains(help.String(), "env-secret-value") || strings.Contains(help.String(), `default "9"`) {
		t.Errorf("expected help to show documented defaults only, got:\n%s", help.String())
	}
	if !strings.Contains(help.String(), `default "12"`) {
		t.Errorf("expected help to show max-depth's documented default 12, got:\n%s", help.String())
	}
}

// TestShareWaitWithinDeadline: the wait for a share of the database is derived from the
// request deadline (a third of it), so it changes with CIVICLINK_REQUEST_TIMEOUT and never
// outlasts it; a deadline of zero or less is refused.
func TestShareWaitWithinDeadline(t *testing.T) {
	tests := []struct {
		deadline, want time.Duration
	}{
		{DefaultRequestTimeout, 10 * time.Second},
		{3 * time.Second, time.Second},
		{0, 10 * time.Second},
	}
	for _, tt := range tests {
		if got := ShareWait(tt.deadline); got != tt.want {
			t.Errorf("ShareWait(%v) = %v, want %v", tt.deadline, got, tt.want)
		}
	}
	c, err := Load("test", []string{"-request-timeout", "6s"})
	if err != nil || ShareWait(c.RequestTimeout) != 2*time.Second {
		t.Errorf("with -request-timeout 6s: %+v %v, want a share wait of 2s", c, err)
	}
	for _, bad := range []string{"0s", "-1s"} {
		if _, err := Load("test", []string{"-request-timeout", bad}); err == nil {
			t.Errorf("Load accepted -request-timeout %s, want it refused", bad)
		}
	}
}
