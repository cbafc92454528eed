package globalid

import "testing"

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ string
		id  int64
	}{{"Case", 1}, {"Dispute", 9007199254740993}, {"GridEvent", 42}} {
		gid := Encode(tc.typ, tc.id)
		typ, id, err := Decode(gid)
		if err != nil || typ != tc.typ || id != tc.id {
			t.Errorf("Decode(Encode(%q, %d)) = %q, %d, %v; want the same type and id", tc.typ, tc.id, typ, id, err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "!!!", Encode("Case", 0), "Q2FzZQ", "Q2FzZTphYmM", "OjE", "Q2FzZTotMQ", string(make([]byte, 300))} {
		if _, _, err := Decode(in); err == nil {
			t.Errorf("Decode(%q) succeeded, want ErrInvalid", in)
		}
	}
	if _, err := DecodeAs(Encode("Case", 3), "Dispute"); err == nil {
		t.Errorf("DecodeAs(Case ID, Dispute) succeeded, want a type error")
	}
}
