package resolvers

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sqlLike matches a string literal that reads as a SQL statement.
var sqlLike = regexp.MustCompile(`\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\b[\s\S]*\bSET\b|\bDELETE\s+FROM\b`)

// TestResolversHoldNoSQL: resolvers/ imports no pgx and holds no SQL; statements live in the
// domain packages below it (db/<domain>), reads and writes alike.
func TestResolversHoldNoSQL(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		var problems []string
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "github.com/jackc/pgx" || strings.HasPrefix(path, "github.com/jackc/pgx/") {
				problems = append(problems, fmt.Sprintf("%s imports %s", fset.Position(imp.Pos()), path))
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && sqlLike.MatchString(s) {
				problems = append(problems, fmt.Sprintf("%s holds SQL %q", fset.Position(lit.Pos()), firstLine(s)))
			}
			return true
		})
		for _, p := range problems {
			t.Errorf("%s: want no pgx and no SQL in resolvers/ (move it into the domain's package under db/)", p)
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
