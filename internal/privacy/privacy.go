// Package privacy decides, per request, whether personal fields may be shown in clear, and
// masks them otherwise, keeping their shape (110***********1234, 138****5678, 张*).
// Until a request carries a principal allowed to see personal data with a stated purpose,
// everything personal is masked: the safe default.
package privacy

import "context"

type revealKey struct{}

// WithReveal returns ctx in which personal fields are shown in clear. Only the
// authorization layer calls it, after checking the caller's role and stated purpose.
func WithReveal(ctx context.Context) context.Context {
	return context.WithValue(ctx, revealKey{}, true)
}

// Reveal reports whether personal fields may be shown in clear in ctx.
func Reveal(ctx context.Context) bool {
	v, _ := ctx.Value(revealKey{}).(bool)
	return v
}

// String returns v, or mask(v) unless ctx allows personal data.
func String(ctx context.Context, v string, mask func(string) string) string {
	if Reveal(ctx) {
		return v
	}
	return mask(v)
}

// OptString is String for a nullable value.
func OptString(ctx context.Context, v *string, mask func(string) string) *string {
	if v == nil {
		return nil
	}
	s := String(ctx, *v, mask)
	return &s
}
