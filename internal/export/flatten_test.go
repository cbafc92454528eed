package export

import (
	"bytes"
	"reflect"
	"testing"
)

func TestFlattenColumnsAndCells(t *testing.T) {
	for _, tc := range []struct {
		name, data, field string
		columns           []string
		csv               string
	}{
		{
			name:    "list with a null object first",
			data:    `{"stats":[{"grid":null,"n":1},{"grid":{"code":"C01","name":"A"},"n":2}]}`,
			columns: []string{"grid.code", "grid.name", "n"},
			csv:     "grid.code,grid.name,n\n,,1\nC01,A,2\n",
		},
		{
			name:    "connection edges and nested lists",
			data:    `{"disputes":{"totalCount":9,"edges":[{"cursor":"a","node":{"no":"T1","tags":[{"x":1}],"ok":true}}]}}`,
			columns: []string{"no", "tags", "ok"},
			csv:     "no,tags,ok\nT1,\"[{\"\"x\"\":1}]\",true\n",
		},
		{
			name:    "chosen field and formula-like text",
			data:    `{"a":[{"v":1}],"b":{"nodes":[{"s":"=cmd()","n":-3}]}}`,
			field:   "b",
			columns: []string{"s", "n"},
			csv:     "s,n\n'=cmd(),-3\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := decodeOrdered([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := rowsAt(data, tc.field)
			if err != nil {
				t.Fatal(err)
			}
			tab := flatten(rows)
			if !reflect.DeepEqual(tab.columns, tc.columns) {
				t.Errorf("columns %q, want %q", tab.columns, tc.columns)
			}
			var buf bytes.Buffer
			if err := writeCSV(&buf, tab, false); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.csv {
				t.Errorf("CSV\n%s\nwant\n%s", buf.String(), tc.csv)
			}
		})
	}
	data, _ := decodeOrdered([]byte(`{"a":[],"b":[]}`))
	if _, err := rowsAt(data, ""); err == nil {
		t.Error("two root fields without a field path: want an error")
	}
}
