package main

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/internal/audit"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
)

// TestAuditVerify runs civiclink audit verify on a database whose log the test writes and
// then shortens: intact with the published head, tampered once the newest row is gone, and
// honest about what it cannot tell without a head.
func TestAuditVerify(t *testing.T) {
	url := dbtest.NewDatabase(t, "")
	key := strings.Repeat("5a", audit.KeySize)
	headFile := filepath.Join(t.TempDir(), "audit-head")
	env := cleanEnv("DATABASE_URL="+url, "CIVICLINK_AUDIT_KEY="+key, "CIVICLINK_AUDIT_HEAD="+headFile)
	if r := runCLI(t, env, "migrate"); r.code != 0 {
		t.Fatalf("migrate: %s", r)
	}
	ctx := context.Background()
	pool, err := dbpool.Open(ctx, dbpool.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	raw, _ := hex.DecodeString(key)
	log, err := audit.New(pool, raw, headFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"a", "b", "c"} {
		if err := log.Append(ctx, audit.Entry{At: time.Now(), Subject: who, Role: auth.Admin, DocumentHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	head, _, err := audit.ReadHead(headFile)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		before string // SQL run first, as someone holding the database
		args   []string
		env    []string
		code   int
		want   string
	}{
		{"intact, head file", "", nil, env, 0, "access log intact: 3 rows"},
		{"intact, head argument", "", []string{"-head", head.String()}, env, 0, "access log intact: 3 rows"},
		{"wrong key", "", nil, cleanEnv("DATABASE_URL="+url, "CIVICLINK_AUDIT_KEY="+strings.Repeat("00", audit.KeySize)), 1, "access-log key"},
		{"newest row deleted", "DELETE FROM hub.access_log WHERE id = (SELECT max(id) FROM hub.access_log)", nil, env, 1, "shortened"},
		{"newest row deleted, no head", "", nil, cleanEnv("DATABASE_URL="+url, "CIVICLINK_AUDIT_KEY="+key), 0, "no published head"},
	}
	for _, s := range steps {
		if s.before != "" {
			if _, err := pool.Exec(ctx, s.before); err != nil {
				t.Fatal(err)
			}
		}
		r := runCLI(t, s.env, append([]string{"audit", "verify"}, s.args...)...)
		if r.code != s.code || !strings.Contains(r.stdout+r.stderr, s.want) {
			t.Errorf("%s: %s\nwant exit %d and %q", s.name, r, s.code, s.want)
		}
	}
}
