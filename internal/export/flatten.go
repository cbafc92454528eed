package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// table is a list of flat rows with a stable column order.
type table struct {
	columns []string
	rows    []*object
}

// rowsAt finds the list to export in a response's data: the value at the dotted field path
// (aliases count), or the only root field when path is empty. A list gives one row per
// element; a connection (edges or nodes) one row per node; an object one row.
func rowsAt(data any, path string) ([]*object, error) {
	root, ok := data.(*object)
	if !ok {
		return nil, fmt.Errorf("the response has no data")
	}
	var v any = root
	if path == "" {
		if len(root.keys) != 1 {
			return nil, fmt.Errorf("the operation selects %d root fields (%s): name the one to export with field=", len(root.keys), strings.Join(root.keys, ", "))
		}
		v = root.vals[root.keys[0]]
	} else {
		for _, seg := range strings.Split(path, ".") {
			o, ok := v.(*object)
			if !ok {
				return nil, fmt.Errorf("field %q: %q is not inside an object", path, seg)
			}
			next, ok := o.vals[seg]
			if !ok {
				return nil, fmt.Errorf("field %q: the response has no %q (fields: %s)", path, seg, strings.Join(o.keys, ", "))
			}
			v = next
		}
	}
	if o, ok := v.(*object); ok {
		if edges, ok := o.vals["edges"].([]any); ok {
			nodes := make([]any, 0, len(edges))
			for _, e := range edges {
				if eo, ok := e.(*object); ok {
					nodes = append(nodes, eo.vals["node"])
				}
			}
			v = nodes
		} else if nodes, ok := o.vals["nodes"].([]any); ok {
			v = nodes
		} else {
			return []*object{o}, nil
		}
	}
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("the exported field is a single value, not a list or an object")
	}
	rows := make([]*object, 0, len(list))
	for _, e := range list {
		switch r := e.(type) {
		case *object:
			rows = append(rows, r)
		case nil:
		default:
			rows = append(rows, &object{keys: []string{"value"}, vals: map[string]any{"value": r}})
		}
	}
	return rows, nil
}

// colNode is one level of the column tree: children keep the order in which fields first
// appear, which is the query's selection order.
type colNode struct {
	children []string
	child    map[string]*colNode
}

func (n *colNode) add(o *object) {
	for _, k := range o.keys {
		c, ok := n.child[k]
		if !ok {
			c = &colNode{child: map[string]*colNode{}}
			n.child[k] = c
			n.children = append(n.children, k)
		}
		if sub, ok := o.vals[k].(*object); ok {
			c.add(sub)
		}
	}
}

func (n *colNode) leaves(prefix string, out []string) []string {
	for _, k := range n.children {
		c := n.child[k]
		name := prefix + k
		if len(c.children) == 0 {
			out = append(out, name)
			continue
		}
		out = c.leaves(name+".", out)
	}
	return out
}

// flatten builds the table of rows: nested objects become dotted columns (grid.code),
// nested lists one JSON-text cell.
func flatten(rows []*object) *table {
	root := &colNode{child: map[string]*colNode{}}
	for _, r := range rows {
		root.add(r)
	}
	return &table{columns: root.leaves("", nil), rows: rows}
}

// cell returns the value of the dotted column col in row r; nil when absent or under a
// null object.
func cell(r *object, col string) any {
	var v any = r
	for _, seg := range strings.Split(col, ".") {
		o, ok := v.(*object)
		if !ok {
			return nil
		}
		v = o.vals[seg]
	}
	if _, ok := v.(*object); ok {
		return nil
	}
	return v
}

// csvText renders a cell for CSV: null is empty, numbers and booleans as JSON writes them,
// lists as JSON text. A string that a spreadsheet would run as a formula (=, +, -, @, tab,
// carriage return first) gets a leading apostrophe. For spreadsheets, text that a
// spreadsheet would read as a date or a number (2021-11, 2024-05-01, 042513) is written as
// ="…", which shows it unchanged as text.
// dateOrNumber matches text that spreadsheets reinterpret: digits with date, time or number
// separators only.
var dateOrNumber = regexp.MustCompile(`^[0-9][0-9 .,:/-]*$`)

func csvText(v any, spreadsheet bool) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		if spreadsheet && dateOrNumber.MatchString(t) {
			return `="` + t + `"`, nil
		}
		if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
			return "'" + t, nil
		}
		return t, nil
	case json.Number:
		return t.String(), nil
	case bool:
		if t {
			return "true", nil
		}
		return "false", nil
	default:
		var buf bytes.Buffer
		if err := encodeOrdered(&buf, t); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
}
