package pii

import "testing"

func TestValidIDNumber(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"11010519491231002X", true}, // a published example
		{"11010519491231002x", true}, // the check character in lower case
		{" 110105 19491231 002X ", true},
		{"110105194912310021", false}, // wrong check character
		{"1101051949123100", false},   // too short
		{"A1010519491231002X", false}, // not a digit
	} {
		if got := ValidIDNumber(tt.in); got != tt.want {
			t.Errorf("ValidIDNumber(%q) = %v, expected %v", tt.in, got, tt.want)
		}
	}
}
