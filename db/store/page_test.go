package store

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"civiclink/internal/pagesize"
)

func intp(i int) *int       { return &i }
func strp(s string) *string { return &s }

func TestPlanValidation(t *testing.T) {
	t.Parallel()
	order := []OrderTerm{{Column: "received_at", Desc: true}}
	valid := encodeCursor("received_at:d,id:d", []string{"2024-01-01T00:00:00Z", "7"})
	tests := []struct {
		name      string
		args      PageArgs
		wantErr   string
		wantLimit int
		backward  bool
	}{
		{name: "default page", args: PageArgs{}, wantLimit: pagesize.Default},
		{name: "first", args: PageArgs{First: intp(10)}, wantLimit: 10},
		{name: "last", args: PageArgs{Last: intp(3)}, wantLimit: 3, backward: true},
		{name: "zero", args: PageArgs{First: intp(0)}, wantLimit: 0},
		{name: "max", args: PageArgs{First: intp(pagesize.Max)}, wantLimit: pagesize.Max},
		{name: "over max", args: PageArgs{First: intp(pagesize.Max + 1)}, wantErr: "at most"},
		{name: "negative", args: PageArgs{Last: intp(-1)}, wantErr: "negative"},
		{name: "first and last", args: PageArgs{First: intp(1), Last: intp(1)}, wantErr: "not both"},
		{name: "before with first", args: PageArgs{First: intp(1), Before: strp(valid)}, wantErr: "use before with last"},
		{name: "after with last", args: PageArgs{Last: intp(1), After: strp(valid)}, wantErr: "use after with first"},
		{name: "garbage cursor", args: PageArgs{After: strp("%%%")}, wantErr: "not a valid cursor"},
		{name: "cursor of another order", args: PageArgs{After: strp(encodeCursor("status:a,id:a", []string{"X", "1"}))}, wantErr: "another ordering"},
		{name: "cursor with wrong arity", args: PageArgs{After: strp(encodeCursor("received_at:d,id:d", []string{"1"}))}, wantErr: "not a valid cursor"},
		{name: "huge cursor", args: PageArgs{After: strp(strings.Repeat("A", 5000))}, wantErr: "not a valid cursor"},
		{name: "valid cursor", args: PageArgs{First: intp(5), After: strp(valid)}, wantLimit: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.args.Order = order
			p, err := tt.args.plan()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("plan() error = %v, want one containing %q", err, tt.wantErr)
				}
				if _, ok := err.(*InputError); !ok {
					t.Errorf("plan() error is %T, want *InputError so clients get BAD_USER_INPUT", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("plan() error = %v, want none", err)
			}
			if p.limit != tt.wantLimit || p.backward != tt.backward {
				t.Errorf("plan() = limit %d backward %v, want %d %v", p.limit, p.backward, tt.wantLimit, tt.backward)
			}
		})
	}
}

func TestKeysetSQL(t *testing.T) {
	t.Parallel()
	p, err := PageArgs{
		First: intp(2),
		After: strp(encodeCursor("category:a,received_at:d,id:d", []string{"THEFT", "2024-01-01T00:00:00Z", "9"})),
		Order: []OrderTerm{{Column: "category"}, {Column: "received_at", Desc: true}},
	}.plan()
	if err != nil {
		t.Fatal(err)
	}
	var b Binder
	got := p.keyset(&b, "t")
	want := "((t.category > $1) OR (t.category = $2 AND t.received_at < $3) OR (t.category = $4 AND t.received_at = $5 AND t.id < $6))"
	if got != want {
		t.Errorf("keyset =\n%s\nwant\n%s", got, want)
	}
	if len(b.args) != 6 || b.args[0] != "THEFT" || b.args[5] != "9" {
		t.Errorf("args = %v, want the cursor values bound in order", b.args)
	}
	if got := p.orderBy("t"); got != "t.category ASC, t.received_at DESC, t.id DESC" {
		t.Errorf("orderBy = %q", got)
	}
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	ts := time.Date(2024, 5, 1, 8, 30, 0, 123000000, time.FixedZone("CST", 8*3600))
	if got := formatValue(ts); got != "2024-05-01T00:30:00.123Z" {
		t.Errorf("formatValue(time) = %q, want UTC RFC 3339", got)
	}
	if got := formatValue(int64(42)); got != "42" {
		t.Errorf("formatValue(42) = %q", got)
	}
}

// TestCursorsRevealNothing checks that a cursor carries no order value in a readable form
// and that any change to it is refused as input, not applied.
func TestCursorsRevealNothing(t *testing.T) {
	t.Parallel()
	name := "欧阳娜娜"
	c := encodeCursor("name:a,id:a", []string{name, "20260101"})
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if raw, err := enc.DecodeString(c); err == nil && (bytes.Contains(raw, []byte(name)) || bytes.Contains(raw, []byte("name:a"))) {
			t.Fatalf("cursor %q decodes to %q: it shows the order value, want it sealed", c, raw)
		}
	}
	if strings.Contains(c, name) {
		t.Fatalf("cursor %q holds the name in clear", c)
	}
	if c2 := encodeCursor("name:a,id:a", []string{name, "20260101"}); c2 == c {
		t.Errorf("two cursors of the same row are equal (%q): want a fresh nonce each time", c)
	}
	tampered := []string{
		c[:len(c)-1] + string("AB"[boolInt(c[len(c)-1] == 'A')]),
		c[:10] + string("xy"[boolInt(c[10] == 'x')]) + c[11:],
		c[:len(c)-4],
		c + "A",
	}
	for _, bad := range tampered {
		_, err := PageArgs{After: &bad, Order: []OrderTerm{{Column: "name"}}}.plan()
		if err == nil || !strings.Contains(err.Error(), "not a valid cursor") {
			t.Errorf("altered cursor %q: error %v, want it refused as not a valid cursor", bad, err)
		}
	}
	if _, err := (PageArgs{After: &c, Order: []OrderTerm{{Column: "name"}}}).plan(); err != nil {
		t.Errorf("the genuine cursor is refused: %v", err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
