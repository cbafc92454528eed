package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/export"
	"civiclink/internal/hubtest"
	"civiclink/internal/pagesize"
)

// personsPage is the export query of a persons connection; $n and $after choose the rows.
const personsPage = `query P($n: Int!, $after: String) {
  persons(first: $n, after: $after) { totalCount edges { node { id name phone grid { code } } } }
}`

// clientPages fetches the persons connection through /graphql as a client pages it, sizes
// rows at a time, and returns the rows (id and name) and the cursor after each page.
func clientPages(t *testing.T, hub *hubtest.Hub, sizes ...int) (rows [][2]string, cursors []*string) {
	t.Helper()
	var after *string
	for _, n := range sizes {
		var data struct {
			Persons struct {
				Edges []struct {
					Node struct{ ID, Name string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		hub.Query(t, `query($n: Int!, $after: String) { persons(first: $n, after: $after) {
		  edges { node { id name } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"n": n, "after": after}).MustData(t, &data)
		if len(data.Persons.Edges) != n || !data.Persons.PageInfo.HasNextPage {
			t.Fatalf("client page of %d after %v: %d rows, more %v; want %d and more (the seed has 1,600 persons)",
				n, after, len(data.Persons.Edges), data.Persons.PageInfo.HasNextPage, n)
		}
		for _, e := range data.Persons.Edges {
			rows = append(rows, [2]string{e.Node.ID, e.Node.Name})
		}
		after = data.Persons.PageInfo.EndCursor
		cursors = append(cursors, after)
	}
	return rows, cursors
}

// TestExportPagedConnection: an export of a root connection with first above pagesize.Max
// runs page after page through /graphql into one file: its bytes are those of the one-run
// exports of the same pages (as a client pages them) with one header, its rows are the
// client's rows, masked alike, and the reserved pageInfo the export adds shows nowhere.
func TestExportPagedConnection(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	const total = 1300 // three pages: 500, 500, 300
	paged := getExport(t, hub, url.Values{"query": {personsPage}, "vars": {fmt.Sprintf(`{"n": %d}`, total)}})
	if paged.status != http.StatusOK {
		t.Fatalf("export of first: %d: status %d, body %.300s; want 200 and %d rows", total, paged.status, paged.body, total)
	}
	if got := paged.header.Get(export.RowsHeader); got != fmt.Sprint(total) || paged.header.Get(export.TruncatedHeader) != "false" {
		t.Errorf("trailers rows %q truncated %q, want %d and false", got, paged.header.Get(export.TruncatedHeader), total)
	}

	// An analyst may read no person rows: a paged export is refused as /graphql refuses it.
	analyst := hub.As(t, auth.Analyst, auth.ScopeClaims{})
	if r := getExport(t, analyst, url.Values{"query": {personsPage}, "vars": {fmt.Sprintf(`{"n": %d}`, total)}}); r.status != http.StatusForbidden || !bytes.Contains(r.body, []byte(`"FORBIDDEN"`)) || bytes.Contains(r.body, []byte("UGVyc29u")) {
		t.Errorf("analyst's paged export of persons: status %d, body %.300s; want 403 FORBIDDEN and no row", r.status, r.body)
	}

	want, cursors := clientPages(t, hub, pagesize.Max, pagesize.Max, total-2*pagesize.Max)
	var concat []byte
	for i, part := range []struct {
		n     int
		after *string
	}{{pagesize.Max, nil}, {pagesize.Max, cursors[0]}, {total - 2*pagesize.Max, cursors[1]}} {
		vars, _ := json.Marshal(map[string]any{"n": part.n, "after": part.after})
		one := getExport(t, hub, url.Values{"query": {personsPage}, "vars": {string(vars)}})
		if one.status != http.StatusOK {
			t.Fatalf("one-run export of page %d: status %d, body %.300s", i+1, one.status, one.body)
		}
		body := one.body
		if i > 0 {
			_, body, _ = bytes.Cut(body, []byte("\n"))
		}
		concat = append(concat, body...)
	}
	if !bytes.Equal(paged.body, concat) {
		i := 0
		for i < len(paged.body) && i < len(concat) && paged.body[i] == concat[i] {
			i++
		}
		t.Errorf("the paged export (%d bytes) differs from the one-run exports of its pages (%d bytes) at byte %d: %q vs %q",
			len(paged.body), len(concat), i, paged.body[i:min(i+80, len(paged.body))], concat[i:min(i+80, len(concat))])
	}
	if bytes.Contains(paged.body, []byte("civiclinkExport")) || bytes.Contains(paged.body, []byte("hasNextPage")) {
		t.Error("the paged export shows the pageInfo it added to the operation; want only the selected columns")
	}
	header, rows := readCSV(t, paged)
	if strings.Join(header, ",") != "id,name,phone,grid.code" {
		t.Errorf("header %q, want id,name,phone,grid.code", header)
	}
	if n := bytes.Count(paged.body, []byte("id,name,phone,grid.code\n")); n != 1 {
		t.Errorf("%d header rows in the paged export, want one", n)
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want the client's %d", len(rows), len(want))
	}
	for i, rec := range rows {
		if rec[0] != want[i][0] || rec[1] != want[i][1] {
			t.Errorf("row %d = %q %q, want the client's %q %q", i, rec[0], rec[1], want[i][0], want[i][1])
			break
		}
		if !strings.Contains(rec[1], "*") {
			t.Errorf("row %d: name %q is not masked as /graphql masks it", i, rec[1])
			break
		}
	}
}

// TestExportPagedInput: what a paged export refuses, with a coded JSON error before any row,
// and where the export's limit cuts it.
func TestExportPagedInput(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	for _, tc := range []struct {
		name   string
		vars   string
		limit  string
		status int
		code   string // the error's code; "" for any code but INTERNAL
		rows   string // the rows trailer of an export that runs
	}{
		{name: "first negative", vars: `{"n": -1}`, status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
		{name: "cursor garbage on a paged export", vars: `{"n": 1000, "after": "garbage"}`, status: http.StatusBadRequest},
		{name: "cursor garbage on a one-run export", vars: `{"n": 10, "after": "garbage"}`, status: http.StatusBadRequest},
		{name: "more rows than an export gives", vars: fmt.Sprintf(`{"n": %d}`, export.MaxRows+1), status: http.StatusBadRequest, code: "EXPORT_TOO_LARGE"},
		{name: "more rows than an export gives, cut by limit", vars: fmt.Sprintf(`{"n": %d}`, export.MaxRows+1), limit: "700", status: http.StatusOK, rows: "700"},
		{name: "limit below first", vars: `{"n": 1200}`, limit: "600", status: http.StatusOK, rows: "600"},
	} {
		params := url.Values{"query": {personsPage}, "vars": {tc.vars}}
		if tc.limit != "" {
			params.Set("limit", tc.limit)
		}
		r := getExport(t, hub, params)
		if r.status != tc.status {
			t.Errorf("%s: status %d, body %.300s; want %d", tc.name, r.status, r.body, tc.status)
			continue
		}
		if tc.status == http.StatusOK {
			_, rows := readCSV(t, r)
			if got := r.header.Get(export.RowsHeader); got != tc.rows || fmt.Sprint(len(rows)) != tc.rows || r.header.Get(export.TruncatedHeader) != "true" {
				t.Errorf("%s: %d rows, trailers rows %q truncated %q; want %s rows, truncated true", tc.name, len(rows), got, r.header.Get(export.TruncatedHeader), tc.rows)
			}
			continue
		}
		var body struct {
			Errors []hubtest.Error `json:"errors"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) == 0 {
			t.Errorf("%s: body %.300s, want JSON errors", tc.name, r.body)
			continue
		}
		code := body.Errors[0].Code()
		if (tc.code != "" && code != tc.code) || code == "" || code == "INTERNAL" {
			t.Errorf("%s: code %q (%s), want %s", tc.name, code, body.Errors[0].Message, map[bool]string{true: tc.code, false: "a code other than INTERNAL"}[tc.code != ""])
		}
	}
}
