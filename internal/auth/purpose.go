package auth

import (
	"errors"
	"regexp"
	"strings"
)

// Purpose kinds: the records a purpose may name.
const (
	PurposeCase    = "case"
	PurposeDispute = "dispute"
	PurposeEvent   = "event"
)

// Purpose is a parsed statement of purpose: the one record the request needs personal data
// for, as "case J2026-010643", "dispute T2026-00042" or "event E2026-000007".
type Purpose struct {
	// Kind is PurposeCase, PurposeDispute or PurposeEvent.
	Kind string
	// Number is the record's human-facing number.
	Number string
}

// String is the purpose's canonical form, as the access log keeps it.
func (p Purpose) String() string { return p.Kind + " " + p.Number }

// purposePattern is the whole grammar: a kind, one space, and that kind's number. Anything
// else (free words, a bare ".", invisible or zero-width characters) does not parse.
var purposePattern = regexp.MustCompile(`^(case J|dispute T|event E)([0-9]{4}-[0-9]{1,9})$`)

// ErrBadPurpose reports a stated purpose that names no record; its message is safe for clients.
var ErrBadPurpose = errors.New(`a purpose names one record: "case J2026-010643", "dispute T2026-00042" or "event E2026-000007"`)

// ParsePurpose parses a stated purpose. Leading and trailing spaces are ignored; a purpose
// that is empty after that, or that is not exactly one record reference, is ErrBadPurpose.
func ParsePurpose(s string) (Purpose, error) {
	m := purposePattern.FindStringSubmatch(strings.Trim(s, " \t"))
	if m == nil {
		return Purpose{}, ErrBadPurpose
	}
	kind, prefix, _ := strings.Cut(m[1], " ")
	return Purpose{Kind: kind, Number: prefix + m[2]}, nil
}
