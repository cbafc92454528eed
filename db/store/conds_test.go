package store

import (
	"reflect"
	"strings"
	"testing"
)

func TestBinderWhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		bound    []any // values bound before, as $1 …
		conds    Conds
		wantSQL  string
		wantArgs []any
		wantErr  string // a substring of the error; "" for none
	}{
		{name: "empty is TRUE", conds: nil, wantSQL: "TRUE"},
		{name: "empty after bound values", bound: []any{1}, wantSQL: "TRUE", wantArgs: []any{1}},
		{name: "one condition", conds: Conds{Eq("status", "OPEN")}, wantSQL: "(t.status = $1)", wantArgs: []any{"OPEN"}},
		{
			name:     "numbered in order across conditions",
			conds:    Conds{Eq("a", 1), Raw("t.b BETWEEN ? AND ?", 2, 3), In("c", []int64{4})},
			wantSQL:  "(t.a = $1) AND (t.b BETWEEN $2 AND $3) AND (t.c = ANY($4))",
			wantArgs: []any{1, 2, 3, []int64{4}},
		},
		{
			name:     "after values already bound",
			bound:    []any{"day", nil},
			conds:    Conds{AtLeast("at", 5), Before("at", 6)},
			wantSQL:  "(t.at >= $3) AND (t.at < $4)",
			wantArgs: []any{"day", nil, 5, 6},
		},
		{name: "no placeholders, no values", conds: Conds{Raw("t.deleted_at IS NULL")}, wantSQL: "(t.deleted_at IS NULL)"},
		{
			// Kept from the three renderers this one replaced: there is no escape.
			name:     "a ? inside a string literal is a placeholder too",
			conds:    Conds{Raw("t.note = '?' AND t.id = ?", "x", 7)},
			wantSQL:  "(t.note = '$1' AND t.id = $2)",
			wantArgs: []any{"x", 7},
		},
		{name: "more placeholders than values", conds: Conds{Raw("t.a = ? AND t.b = ?", 1)}, wantErr: "2 placeholders for 1 values"},
		{name: "more values than placeholders", conds: Conds{Raw("t.a = ?", 1, 2)}, wantErr: "1 placeholders for 2 values"},
		{name: "multi-byte text around placeholders", conds: Conds{Raw("t.name = ? || '街道'", "东")}, wantSQL: "(t.name = $1 || '街道')", wantArgs: []any{"东"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := NewBinder(tt.bound...)
			sql, err := b.Where(tt.conds)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Where(%v) error = %v, want one saying %q", tt.conds, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Where(%v): %v", tt.conds, err)
			}
			if sql != tt.wantSQL {
				t.Errorf("Where(%v) = %q, want %q", tt.conds, sql, tt.wantSQL)
			}
			if !reflect.DeepEqual(b.Args(), tt.wantArgs) {
				t.Errorf("Where(%v) bound %#v, want %#v", tt.conds, b.Args(), tt.wantArgs)
			}
		})
	}
}

func TestBinderMismatchBindsNothing(t *testing.T) {
	t.Parallel()
	b := NewBinder("kept")
	if _, err := b.Render(Raw("t.a = ? AND t.b = ?", 1)); err == nil {
		t.Fatal("Render with too few values returned no error, want one")
	}
	if got := b.Args(); len(got) != 1 || got[0] != "kept" {
		t.Errorf("after a refused condition the binder holds %v, want only the value bound before ([kept])", got)
	}
}

func TestStoreWherePanicsOnMismatch(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Errorf("the store's where with too few values did not panic, want a panic (a programming error)")
		}
	}()
	var b Binder
	b.where(Conds{Raw("t.a = ? AND t.b = ?", 1)})
}
