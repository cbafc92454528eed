package seed

import (
	"strings"
	"testing"
	"time"

	"civiclink/internal/pii"
)

// validCreditCode reports whether s is a well-formed unified social credit code (used by tests).
func validCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := range 18 {
		if strings.IndexByte(creditAlphabet, s[i]) < 0 {
			return false
		}
	}
	return creditCheckChar(s[:17]) == s[17] && orgCheckChar(s[8:16]) == s[16]
}

func TestIDNumber(t *testing.T) {
	// a published example number: 11010519491231002X
	if got := idNumber("110105", time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), 2, false); got != "11010519491231002X" {
		t.Fatalf("idNumber = %s, want 11010519491231002X", got)
	}
	male := idNumber("110101", time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), 122, true)
	if !pii.ValidIDNumber(male) || (male[16]-'0')%2 != 1 {
		t.Fatalf("male id %s: bad check or gender digit", male)
	}
}

func TestCreditCode(t *testing.T) {
	// a published unified social credit code
	if !validCreditCode("91350100M000100Y43") {
		t.Fatal("known credit code rejected")
	}
	for i := range 50 {
		c := creditCode("110101", strings.Repeat(string(rune('0'+i%10)), 8))
		if !validCreditCode(c) {
			t.Fatalf("credit code %s invalid", c)
		}
	}
}
