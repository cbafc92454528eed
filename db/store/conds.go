package store

import (
	"fmt"
	"strings"
)

// Cond is one SQL condition over alias t. SQL uses '?' for each bound value, in order; the
// values are never spliced into the text.
type Cond struct {
	SQL  string
	Args []any
}

// Conds is a conjunction of conditions.
type Conds []Cond

// Eq matches rows whose column equals v.
func Eq(col string, v any) Cond { return Cond{SQL: "t." + col + " = ?", Args: []any{v}} }

// In matches rows whose column is one of vs (a slice).
func In(col string, vs any) Cond { return Cond{SQL: "t." + col + " = ANY(?)", Args: []any{vs}} }

// AtLeast matches rows whose column is >= v.
func AtLeast(col string, v any) Cond { return Cond{SQL: "t." + col + " >= ?", Args: []any{v}} }

// Before matches rows whose column is < v.
func Before(col string, v any) Cond { return Cond{SQL: "t." + col + " < ?", Args: []any{v}} }

// Raw is a trusted SQL condition with '?' placeholders.
func Raw(sql string, args ...any) Cond { return Cond{SQL: sql, Args: args} }

// Binder is the one renderer of conditions: it numbers the '?' placeholders of the
// conditions of one statement as $1, $2, … and collects their values in that order, for
// pgx. Every '?' is a placeholder, inside string literals and comments too (there is no
// escape, and PostgreSQL's jsonb ? operators cannot be written): a condition that needs a
// literal question mark binds it as a value.
type Binder struct {
	args []any
}

// NewBinder returns a binder whose first values, already written into the statement as
// $1 … $len(args), are args.
func NewBinder(args ...any) *Binder { return &Binder{args: args} }

// Args returns the values bound so far, in placeholder order.
func (b *Binder) Args() []any { return b.args }

// Arg binds v and returns its placeholder.
func (b *Binder) Arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

// Render binds the values of c and returns c's SQL with each '?' replaced by its numbered
// placeholder. The numbers of '?' and of values must match; when they do not, nothing is
// bound and the error says so.
func (b *Binder) Render(c Cond) (string, error) {
	if n := strings.Count(c.SQL, "?"); n != len(c.Args) {
		return "", fmt.Errorf("condition %q has %d placeholders for %d values", c.SQL, n, len(c.Args))
	}
	var sb strings.Builder
	n := 0
	for _, r := range c.SQL {
		if r == '?' {
			sb.WriteString(b.Arg(c.Args[n]))
			n++
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}

// Where renders a conjunction, each condition in parentheses; an empty one is TRUE.
func (b *Binder) Where(cs Conds) (string, error) {
	if len(cs) == 0 {
		return "TRUE", nil
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		sql, err := b.Render(c)
		if err != nil {
			return "", err
		}
		parts[i] = "(" + sql + ")"
	}
	return strings.Join(parts, " AND "), nil
}

// where is Where for the store's own statements, whose conditions come from this package's
// constructors, filters and access policies: a mismatch there is a programming error.
func (b *Binder) where(cs Conds) string {
	sql, err := b.Where(cs)
	if err != nil {
		panic("store: " + err.Error())
	}
	return sql
}
