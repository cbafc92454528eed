package auth

import (
	"errors"
	"testing"
)

func TestParsePurpose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // canonical form; "" = unparsable
	}{
		{"case J2026-010643", "case J2026-010643"},
		{"dispute T2026-00042", "dispute T2026-00042"},
		{"event E2026-000007", "event E2026-000007"},
		{"  case J2026-010643 ", "case J2026-010643"},
		{"x", ""},
		{".", ""},
		{"", ""},
		{"   ", ""},
		{"\u200b", ""},
		{"case J2026-010643\u200b", ""},
		{"\u200bcase J2026-010643", ""},
		{"case  J2026-010643", ""},
		{"case T2026-00042", ""},
		{"dispute J2026-010643", ""},
		{"CASE J2026-010643", ""},
		{"case J2026-010643; dispute T2026-00042", ""},
		{"case J2026-010643\n", ""},
		{"visit", ""},
	}
	for _, tt := range tests {
		got, err := ParsePurpose(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrBadPurpose) {
				t.Errorf("ParsePurpose(%q) = %v, %v; want ErrBadPurpose", tt.in, got, err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParsePurpose(%q) = %q, %v; want %q", tt.in, got.String(), err, tt.want)
		}
	}
}
