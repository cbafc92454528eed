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

// builder numbers placeholders and collects arguments.
type builder struct {
	args []any
}

// arg appends v and returns its placeholder.
func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

// render replaces each '?' of c with a numbered placeholder.
func (b *builder) render(c Cond) string {
	var sb strings.Builder
	n := 0
	for _, r := range c.SQL {
		if r == '?' {
			if n >= len(c.Args) {
				panic(fmt.Sprintf("store: condition %q has more placeholders than values", c.SQL))
			}
			sb.WriteString(b.arg(c.Args[n]))
			n++
			continue
		}
		sb.WriteRune(r)
	}
	if n != len(c.Args) {
		panic(fmt.Sprintf("store: condition %q has %d placeholders for %d values", c.SQL, n, len(c.Args)))
	}
	return sb.String()
}

// where renders a conjunction; an empty one is TRUE.
func (b *builder) where(cs Conds) string {
	if len(cs) == 0 {
		return "TRUE"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = "(" + b.render(c) + ")"
	}
	return strings.Join(parts, " AND ")
}
