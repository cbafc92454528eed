package store

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/jackc/pgx/v5"
)

// fieldIndexes maps each db-tagged column of a struct type to its field index path.
var fieldIndexCache sync.Map // reflect.Type -> map[string][]int

func fieldIndexes(rt reflect.Type) map[string][]int {
	if m, ok := fieldIndexCache.Load(rt); ok {
		return m.(map[string][]int)
	}
	m := map[string][]int{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(append([]int(nil), prefix...), i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if tag := f.Tag.Get("db"); tag != "" && tag != "-" {
				m[tag] = idx
			}
		}
	}
	walk(rt, nil)
	fieldIndexCache.Store(rt, m)
	return m
}

// scanWith scans every row into a new T; columns that T lacks go to the destinations that
// extra returns for them (extra is called once per row, before scanning). Which field each
// column goes to is worked out once per result, not once per row, and the destination list
// is reused from row to row: a row costs its own allocation and its values' only.
func scanWith[T any](rows pgx.Rows, extra func() map[string]any, each func(*T)) error {
	defer rows.Close()
	var zero T
	idx := fieldIndexes(reflect.TypeOf(zero))
	fds := rows.FieldDescriptions()
	paths := make([][]int, len(fds))
	for i, fd := range fds {
		paths[i] = idx[fd.Name] // nil: a column T lacks, for extra
	}
	dest := make([]any, len(fds))
	for rows.Next() {
		row := new(T)
		v := reflect.ValueOf(row).Elem()
		var extras map[string]any
		if extra != nil {
			extras = extra()
		}
		for i, path := range paths {
			if path != nil {
				dest[i] = v.FieldByIndex(path).Addr().Interface()
				continue
			}
			d, ok := extras[fds[i].Name]
			if !ok {
				return fmt.Errorf("store: no destination for column %q", fds[i].Name)
			}
			dest[i] = d
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan row: %w", err)
		}
		each(row)
	}
	return rows.Err()
}

// columnValue reads the value of column col from row.
func columnValue(row any, col string) any {
	v := reflect.ValueOf(row)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	path, ok := fieldIndexes(v.Type())[col]
	if !ok {
		panic(fmt.Sprintf("store: %s has no column %q", v.Type(), col))
	}
	return v.FieldByIndex(path).Interface()
}
