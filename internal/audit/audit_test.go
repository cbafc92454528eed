package audit_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/internal/audit"
	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var key = bytes.Repeat([]byte{7}, audit.KeySize)

// row is an access-log row as an attacker with the database sees it.
type row struct {
	id                                         int64
	at                                         time.Time
	subject, role, purpose, operation, docHash string
	entities                                   []string
	prev                                       []byte
}

// unkeyedHash is what the chain was before it was keyed: what anyone with the database
// can recompute.
func unkeyedHash(r row) []byte {
	body, _ := json.Marshal([]any{r.at.UTC().Format(time.RFC3339Nano), r.subject, r.role, r.purpose, r.operation, r.docHash, r.entities})
	h := sha256.New()
	h.Write(r.prev)
	h.Write(body)
	return h.Sum(nil)
}

// TestVerifyDetectsTampering tampers with a log of four rows the way someone holding the
// database (but not the hub's key or its published head) could, and checks that Verify
// tells, naming the row.
func TestVerifyDetectsTampering(t *testing.T) {
	h := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	exec := func(t *testing.T, sql string, args ...any) {
		t.Helper()
		if _, err := h.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	newest := func(t *testing.T, offset int) row {
		t.Helper()
		var r row
		err := h.Pool.QueryRow(ctx, `SELECT id, at, subject, role, coalesce(purpose, ''), coalesce(operation, ''), document_hash, entity_ids, prev_hash
			FROM hub.access_log ORDER BY id DESC OFFSET $1 LIMIT 1`, offset).Scan(&r.id, &r.at, &r.subject, &r.role, &r.purpose, &r.operation, &r.docHash, &r.entities, &r.prev)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// rewrite changes a row's subject and recomputes its hash with hash.
	rewrite := func(t *testing.T, r row, hash func(row) []byte) {
		r.subject = "someone else"
		exec(t, "UPDATE hub.access_log SET subject = $2, row_hash = $3 WHERE id = $1", r.id, r.subject, hash(r))
	}
	// otherKey is the hub's own keyed hash, under a key that is not the hub's.
	otherKey := func(r row) []byte {
		body, _ := json.Marshal([]any{r.at.UTC().Format(time.RFC3339Nano), r.subject, r.role, r.purpose, r.operation, r.docHash, r.entities})
		m := hmac.New(sha256.New, bytes.Repeat([]byte{8}, audit.KeySize))
		m.Write([]byte("civiclink access log v2\x00"))
		m.Write(r.prev)
		m.Write(body)
		return m.Sum(nil)
	}
	tests := []struct {
		name string
		// tamper changes the log of four rows; it returns the row Verify must name (0: none).
		tamper   func(t *testing.T) int64
		anchored bool
		problem  string
	}{
		{"intact", func(*testing.T) int64 { return 0 }, true, ""},
		{"newest row deleted", func(t *testing.T) int64 {
			r := newest(t, 0)
			exec(t, "DELETE FROM hub.access_log WHERE id = $1", r.id)
			return r.id
		}, true, "shortened"},
		{"newest two rows deleted", func(t *testing.T) int64 {
			r := newest(t, 0)
			exec(t, "DELETE FROM hub.access_log WHERE id >= $1", newest(t, 1).id)
			return r.id
		}, true, "shortened"},
		{"newest row rewritten, hash recomputed", func(t *testing.T) int64 {
			r := newest(t, 0)
			rewrite(t, r, unkeyedHash)
			return r.id
		}, true, "key"},
		{"newest row rewritten, hash recomputed as a legacy row", func(t *testing.T) int64 {
			r := newest(t, 0)
			rewrite(t, r, unkeyedHash)
			exec(t, "UPDATE hub.access_log SET keyed = false WHERE id = $1", r.id)
			return r.id
		}, true, "unkeyed"},
		{"newest row rewritten, hashed under another key", func(t *testing.T) int64 {
			r := newest(t, 0)
			rewrite(t, r, otherKey)
			return r.id
		}, true, "key"},
		{"middle row changed", func(t *testing.T) int64 {
			r := newest(t, 2)
			exec(t, "UPDATE hub.access_log SET purpose = 'x' WHERE id = $1", r.id)
			return r.id
		}, true, "key"},
		{"middle row deleted", func(t *testing.T) int64 {
			r := newest(t, 2)
			exec(t, "DELETE FROM hub.access_log WHERE id = $1", r.id)
			return newest(t, 1).id
		}, true, "follow"},
		// Without a published head the newest rows can go unseen: the report says the
		// check was not anchored.
		{"newest row deleted, no head at hand", func(t *testing.T) int64 {
			exec(t, "DELETE FROM hub.access_log WHERE id = $1", newest(t, 0).id)
			return 0
		}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec(t, "TRUNCATE hub.access_log")
			headFile := filepath.Join(t.TempDir(), "audit-head")
			var logged bytes.Buffer
			log, err := audit.New(h.Pool, key, headFile, slog.New(slog.NewTextHandler(&logged, nil)))
			if err != nil {
				t.Fatal(err)
			}
			for i := range 4 {
				e := audit.Entry{At: time.Now(), Subject: fmt.Sprintf("user%d", i), Role: auth.Admin, Purpose: "case J2026-000001", DocumentHash: "h", EntityIDs: []string{"x"}}
				if err := log.Append(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			head, ok, err := audit.ReadHead(headFile)
			if err != nil || !ok {
				t.Fatalf("the head file after four appends: %v %v, want a head", ok, err)
			}
			if !strings.Contains(logged.String(), "head="+head.String()) {
				t.Errorf("the hub's log %q does not carry the head %s", logged.String(), head)
			}
			want := tt.tamper(t)
			var anchor *audit.Head
			if tt.anchored {
				anchor = &head
			}
			rep, err := log.Verify(ctx, anchor)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case want == 0 && rep.BrokenAt != nil:
				t.Errorf("report %+v, want the chain intact", rep)
			case want != 0 && (rep.BrokenAt == nil || *rep.BrokenAt != want):
				t.Errorf("report %+v, want the chain broken at row %d", rep, want)
			case !strings.Contains(rep.Problem, tt.problem):
				t.Errorf("problem %q, want it to mention %q", rep.Problem, tt.problem)
			case rep.Anchored != tt.anchored:
				t.Errorf("report anchored=%v, want %v", rep.Anchored, tt.anchored)
			}
		})
	}
}

// TestParseHead reads heads as the hub writes them and refuses malformed ones.
func TestParseHead(t *testing.T) {
	good := audit.Head{ID: 42, Hash: bytes.Repeat([]byte{0xab}, 32)}
	tests := []struct {
		in   string
		want *audit.Head
	}{
		{good.String(), &good},
		{good.String() + "\n", &good},
		{"42", nil},
		{"x:" + strings.Repeat("ab", 32), nil},
		{"0:" + strings.Repeat("ab", 32), nil},
		{"42:abcd", nil},
		{"42:" + strings.Repeat("zz", 32), nil},
	}
	for _, tt := range tests {
		got, err := audit.ParseHead(tt.in)
		switch {
		case tt.want == nil && err == nil:
			t.Errorf("ParseHead(%q) = %v, want an error", tt.in, got)
		case tt.want != nil && (err != nil || got.ID != tt.want.ID || !bytes.Equal(got.Hash, tt.want.Hash)):
			t.Errorf("ParseHead(%q) = %v, %v; want %v", tt.in, got, err, *tt.want)
		}
	}
}
