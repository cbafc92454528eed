package pii

import "strings"

// maskMiddle keeps the first keep runes and the last tail runes and replaces the rest with '*',
// so a masked value has the same length as the original.
func maskMiddle(s string, keep, tail int) string {
	r := []rune(s)
	if len(r) <= keep+tail {
		return strings.Repeat("*", len(r))
	}
	for i := keep; i < len(r)-tail; i++ {
		r[i] = '*'
	}
	return string(r)
}

// MaskIDNumber masks an identity number, keeping the region prefix and the last four
// characters: 110101199003071234 becomes 110***********1234.
func MaskIDNumber(s string) string { return maskMiddle(s, 3, 4) }

// MaskPhone masks a phone number, keeping the first three and last four digits:
// 13812345678 becomes 138****5678.
func MaskPhone(s string) string { return maskMiddle(s, 3, 4) }

// MaskName keeps the family name (the first character) and masks the rest: 张三 becomes 张*.
func MaskName(s string) string {
	r := []rune(s)
	if len(r) <= 1 {
		return "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// MaskAddress keeps the first six characters (district and street) and masks the rest.
func MaskAddress(s string) string { return maskMiddle(s, 6, 0) }

// MaskText hides free text such as session records and agreement terms entirely, keeping
// only a marker of its presence.
func MaskText(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}
