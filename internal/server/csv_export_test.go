package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/export"
	"civiclink/internal/hubtest"
)

// exportResult is an /export response.
type exportResult struct {
	status int
	header http.Header
	body   []byte
}

// getExport sends GET /export with params, as a BI tool pulling a URL would, with the test
// client's credentials.
func getExport(t *testing.T, hub *hubtest.Hub, params url.Values) exportResult {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, hub.Server.URL+"/export?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return doExport(t, hub, req)
}

// credentials returns the headers with which the hub's test client authenticates, learnt by
// letting the client send a request to /healthz, so that exports carry the same ones.
func credentials(t *testing.T, hub *hubtest.Hub) http.Header {
	t.Helper()
	probe, err := http.NewRequest(http.MethodGet, hub.Server.URL+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	hub.Do(t, probe)
	return probe.Header
}

func doExport(t *testing.T, hub *hubtest.Hub, req *http.Request) exportResult {
	t.Helper()
	for k, v := range credentials(t, hub) {
		if req.Header.Get(k) == "" {
			req.Header[k] = v
		}
	}
	res, err := hub.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("export request: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read export: %v", err)
	}
	// The row count and truncation of a streamed export come as trailers, after the rows.
	for k, v := range res.Trailer {
		res.Header[k] = v
	}
	return exportResult{status: res.StatusCode, header: res.Header, body: body}
}

// readCSV parses an export with encoding/csv and checks that every record has the header's
// width.
func readCSV(t *testing.T, r exportResult) (header []string, rows [][]string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("export status %d, want 200: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q, want text/csv", ct)
	}
	records, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("the export is not valid CSV: %v\n%s", err, r.body)
	}
	if len(records) == 0 {
		t.Fatal("the export has no header row")
	}
	if got := r.header.Get(export.RowsHeader); got != fmt.Sprint(len(records)-1) {
		t.Errorf("%s = %q, want %d", export.RowsHeader, got, len(records)-1)
	}
	return records[0], records[1:]
}

// TestExportCSVOfSavedAggregate pulls a saved BI example as CSV and checks its columns, and
// that every row equals the GraphQL answer and the figures recomputed in SQL.
func TestExportCSVOfSavedAggregate(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	r := getExport(t, hub, url.Values{"example": {"stats-difficult-disputes-by-mediator-kind"}, "format": {"csv"}})
	header, rows := readCSV(t, r)
	wantHeader := []string{"mediatorKind", "suppressed", "count", "agreed", "shareAgreed", "medianDaysToAgreement", "p90DaysToAgreement"}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Fatalf("CSV header %q, want the selection order %q", header, wantHeader)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "stats-difficult-disputes-by-mediator-kind.csv") {
		t.Errorf("Content-Disposition %q, want the example's name as file name", cd)
	}
	counts := map[string]int{}
	queryRows(t, hub, `
		SELECT coalesce(m.kind, ''), count(*) FROM mediation.dispute d
		LEFT JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id AND dm.role = 'LEAD'
		LEFT JOIN mediation.mediator m ON m.id = dm.mediator_id
		WHERE d.difficulty = 'DIFFICULT' GROUP BY 1`, nil, func(scan func(...any) error) {
		var kind string
		var n int
		_ = scan(&kind, &n)
		counts[kind] = n
	})
	query, _ := savedExample(t, "stats-difficult-disputes-by-mediator-kind")
	gql := groups(t, hub.Query(t, query, nil), "disputeStats")
	if len(rows) != len(gql) || len(rows) < 2 {
		t.Errorf("%d CSV rows, want one per cell of the GraphQL answer (%d), several", len(rows), len(gql))
	}
	for i, rec := range rows {
		if i >= len(gql) {
			break
		}
		kind, n := rec[0], counts[rec[0]]
		if rec[1] == "true" {
			if kind != "" || rec[2] != "" {
				t.Errorf("suppressed row: mediatorKind=%q count=%q, want both empty (suppressed cells carry no keys)", kind, rec[2])
			}
		} else if n < minCell || rec[2] != fmt.Sprint(n) {
			t.Errorf("row %s: suppressed=%q count=%q, want a count of %d, at least %d", kind, rec[1], rec[2], n, minCell)
		}
		for j, col := range header {
			want := str(gql[i], col)
			if v, ok := gql[i][col].(float64); ok {
				want = fmt.Sprint(v)
				if got := rec[j]; got != "" {
					var g float64
					if _, err := fmt.Sscan(got, &g); err != nil || !approx(g, v) {
						t.Errorf("row %d %s = %q, want %v as in the GraphQL answer", i, col, got, v)
					}
					continue
				}
			}
			if rec[j] != want {
				t.Errorf("row %d %s = %q, want %q as in the GraphQL answer", i, col, rec[j], want)
			}
		}
	}
}

// TestExportFlattensConnections exports a query text whose list is a connection: one row per
// edge's node, nested objects as dotted columns, personal fields masked as in GraphQL.
func TestExportFlattensConnections(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	query := `query Referred($n: Int!) {
	  disputes(first: $n, filter: { source: [POLICE_REFERRAL] }, orderBy: [{ field: DISPUTE_NO, direction: ASC }]) {
	    totalCount
	    edges { cursor node { disputeNo grid { code } referredCase { caseNo leadOfficer { badgeNo } } parties { side person { name } } } }
	  }
	}`
	r := getExport(t, hub, url.Values{"query": {query}, "vars": {`{"n": 25}`}})
	header, rows := readCSV(t, r)
	wantHeader := []string{"disputeNo", "grid.code", "referredCase.caseNo", "referredCase.leadOfficer.badgeNo", "parties"}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Fatalf("CSV header %q, want %q", header, wantHeader)
	}
	var want [][2]string
	queryRows(t, hub, `
		SELECT d.dispute_no, c.case_no FROM mediation.dispute d JOIN police."case" c ON c.id = d.referred_case_id
		WHERE d.source = 'POLICE_REFERRAL' ORDER BY d.dispute_no LIMIT 25`, nil, func(scan func(...any) error) {
		var w [2]string
		_ = scan(&w[0], &w[1])
		want = append(want, w)
	})
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, rec := range rows {
		if rec[0] != want[i][0] || rec[2] != want[i][1] {
			t.Errorf("row %d = %q, want dispute %s referred from case %s", i, rec, want[i][0], want[i][1])
		}
		var parties []struct {
			Side   string
			Person struct{ Name string }
		}
		if err := json.Unmarshal([]byte(rec[4]), &parties); err != nil || len(parties) == 0 {
			t.Errorf("row %d: nested list cell %q is not a JSON list of parties: %v", i, rec[4], err)
		}
		for _, p := range parties {
			if !strings.Contains(p.Person.Name, "*") {
				t.Errorf("row %d: party name %q is not masked as in GraphQL", i, p.Person.Name)
			}
		}
	}
	// The same pull twice gives the same bytes: stable columns and order.
	if again := getExport(t, hub, url.Values{"query": {query}, "vars": {`{"n": 25}`}}); !bytes.Equal(again.body, r.body) {
		t.Error("a second identical export differs from the first")
	}
}

// TestExportNDJSONAndCap exports NDJSON with the row cap and a chosen root field, by GET and by
// POST.
func TestExportNDJSONAndCap(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	params := url.Values{"example": {"stats-welfare-vs-satisfaction"}, "field": {"satisfaction"}, "format": {"ndjson"}, "limit": {"3"}}
	post, _ := json.Marshal(map[string]any{"example": "stats-welfare-vs-satisfaction", "field": "satisfaction", "format": "ndjson", "limit": 3})
	postReq, err := http.NewRequest(http.MethodPost, hub.Server.URL+"/export", bytes.NewReader(post))
	if err != nil {
		t.Fatal(err)
	}
	postReq.Header.Set("Content-Type", "application/json")
	for name, res := range map[string]exportResult{"GET": getExport(t, hub, params), "POST": doExport(t, hub, postReq)} {
		if res.status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", name, res.status, res.body)
		}
		if res.header.Get(export.TruncatedHeader) != "true" || res.header.Get(export.RowsHeader) != "3" {
			t.Errorf("%s: rows %q truncated %q, want 3 and true (more than 3 station-years exist)", name,
				res.header.Get(export.RowsHeader), res.header.Get(export.TruncatedHeader))
		}
		sc := bufio.NewScanner(bytes.NewReader(res.body))
		n := 0
		for sc.Scan() {
			n++
			dec := json.NewDecoder(strings.NewReader(sc.Text()))
			var keys []string
			tok, _ := dec.Token()
			for dec.More() && tok != nil {
				k, _ := dec.Token()
				keys = append(keys, k.(string))
				var skip any
				_ = dec.Decode(&skip)
			}
			want := []string{"bucketLabel", "station.code", "station.name", "suppressed", "respondents", "avgOverall", "avgBelonging", "shareSatisfied", "shareBelonging"}
			if !reflect.DeepEqual(keys, want) {
				t.Errorf("%s line %d keys %q, want %q", name, n, keys, want)
			}
		}
		if n != 3 {
			t.Errorf("%s: %d NDJSON lines, want 3", name, n)
		}
	}
}

// TestExportRefusals checks that bad export requests fail with a JSON error and a 4xx status.
func TestExportRefusals(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	for _, tc := range []struct {
		name   string
		params url.Values
		status int
	}{
		{"no operation", url.Values{}, http.StatusBadRequest},
		{"unknown example", url.Values{"example": {"nope"}}, http.StatusBadRequest},
		{"unknown format", url.Values{"example": {"stats-open-risks-by-grid"}, "format": {"xlsx"}}, http.StatusBadRequest},
		{"two root fields without field=", url.Values{"example": {"stats-welfare-vs-satisfaction"}}, http.StatusBadRequest},
		{"invalid query", url.Values{"query": {"{ nothing }"}}, http.StatusBadRequest},
		{"bad variables", url.Values{"example": {"stats-referred-disputes-by-community-year"}, "vars": {`{"bucket": "DECADE"}`}}, http.StatusBadRequest},
		{"vars not an object", url.Values{"example": {"stats-open-risks-by-grid"}, "vars": {`[1]`}}, http.StatusBadRequest},
	} {
		r := getExport(t, hub, tc.params)
		var body struct {
			Errors []hubtest.Error `json:"errors"`
		}
		if r.status != tc.status || json.Unmarshal(r.body, &body) != nil || len(body.Errors) == 0 {
			t.Errorf("%s: status %d body %s, want %d with JSON errors", tc.name, r.status, r.body, tc.status)
		}
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodDelete, hub.Server.URL+"/export", nil)
	if r := doExport(t, hub, req); r.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /export: status %d, want 405", r.status)
	}
}

// TestExportPersistedQuery exports an operation by the hash of a persisted query: the hub
// learns it as an automatic persisted query first, and /export then runs it by hash alone.
func TestExportPersistedQuery(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	query := `{ riskItemStats(groupBy: [LEVEL]) { level count } }`
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	body, _ := json.Marshal(map[string]any{"query": query, "extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}})
	if res := hub.Post(t, "application/json", body); len(res.Errors) > 0 {
		t.Fatalf("register the persisted query: %s", res.Raw)
	}
	header, rows := readCSV(t, getExport(t, hub, url.Values{"sha256": {hash}}))
	if !reflect.DeepEqual(header, []string{"level", "count"}) {
		t.Errorf("header %q, want [level count]", header)
	}
	levels := 0
	queryRows(t, hub, `SELECT count(DISTINCT level) FROM risk.risk_item`, nil, func(scan func(...any) error) { _ = scan(&levels) })
	if len(rows) != levels {
		t.Errorf("%d rows, want one per risk level (%d)", len(rows), levels)
	}
	if r := getExport(t, hub, url.Values{"sha256": {strings.Repeat("ab", 32)}}); r.status < 400 {
		t.Errorf("unknown hash: status %d, want an error", r.status)
	}
}

// TestExportAuthorization checks that an export is authorized as GraphQL is: an analyst pulls
// an aggregate, and a request with a bad token is refused as /graphql refuses it.
func TestExportAuthorization(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	analyst := hub.As(t, auth.Analyst, auth.ScopeClaims{})
	header, rows := readCSV(t, getExport(t, analyst, url.Values{"example": {"stats-open-risks-by-grid"}}))
	if len(header) == 0 || header[0] != "grid.code" || len(rows) == 0 {
		t.Errorf("analyst export: header %q and %d rows, want grid.code first and some rows", header, len(rows))
	}

	params := url.Values{"example": {"stats-open-risks-by-grid"}}.Encode()
	for _, path := range []string{"/graphql", "/export?" + params} {
		method, body := http.MethodGet, io.Reader(nil)
		if path == "/graphql" {
			method, body = http.MethodPost, strings.NewReader(`{"query":"{ riskItemStats { count } }"}`)
		}
		req, err := http.NewRequest(method, hub.Server.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer not-a-token")
		res, err := hub.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a bad token: status %d, want 401", path, res.StatusCode)
		}
	}
}

// TestExportCSVForSpreadsheets: bom=1 starts the file with a UTF-8 byte-order mark (Excel on
// a Chinese-locale Windows otherwise shows community names as mojibake) and keeps month
// labels such as 2021-11 as text (="2021-11"), which a spreadsheet would turn into dates;
// without it the CSV is plain.
func TestExportCSVForSpreadsheets(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	params := url.Values{"query": {`{ disputeStats(groupBy: [COMMUNITY], timeBucket: MONTH) { bucketLabel community { name } suppressed count } }`}}
	plain := getExport(t, hub, params)
	params.Set("bom", "1")
	sheet := getExport(t, hub, params)
	if sheet.status != http.StatusOK || plain.status != http.StatusOK {
		t.Fatalf("export status %d and %d, want 200: %s", sheet.status, plain.status, sheet.body)
	}
	if !bytes.HasPrefix(sheet.body, []byte("\uFEFFbucketLabel,community.name,")) || bytes.HasPrefix(plain.body, []byte("\uFEFF")) {
		t.Errorf("bom=1 export starts %q and the plain one %q; want a byte-order mark only with bom=1", sheet.body[:min(40, len(sheet.body))], plain.body[:min(40, len(plain.body))])
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(sheet.body, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("bom=1 export is not CSV with rows: %v", err)
	}
	month := regexp.MustCompile(`^="\d{4}-\d{2}"$`)
	chinese := false
	for _, rec := range records[1:] {
		if rec[0] != "" && !month.MatchString(rec[0]) {
			t.Errorf("month label %q, want it kept as text like =\"2021-11\"", rec[0])
		}
		chinese = chinese || strings.ContainsFunc(rec[1], func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
	}
	if !chinese || !regexp.MustCompile(`(?m)^\d{4}-\d{2},`).Match(plain.body) {
		t.Errorf("want Chinese community names in the sheet and bare month labels in the plain CSV:\n%.300s", plain.body)
	}
}

// TestExportHeaderWithoutRows: an export with no rows still has its header row, the columns
// of the query's selection, for a connection and for an aggregate; NDJSON is empty.
func TestExportHeaderWithoutRows(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	for _, tc := range []struct {
		name, query, header string
		caller              *hubtest.Hub
	}{
		{"connection", `{ disputes(first: 5, filter: { receivedFrom: "2099-01-01T00:00:00+08:00" }) { totalCount edges { node { disputeNo grid { code name } } } } }`,
			"disputeNo,grid.code,grid.name", hub},
		{"aggregate as analyst", `{ caseStats(filter: { receivedFrom: "2099-01-01T00:00:00+08:00" }, groupBy: [STATION], timeBucket: MONTH) { bucketLabel station { code } suppressed count } }`,
			"bucketLabel,station.code,suppressed,count", hub.As(t, auth.Analyst, auth.ScopeClaims{})},
	} {
		header, rows := readCSV(t, getExport(t, tc.caller, url.Values{"query": {tc.query}}))
		if strings.Join(header, ",") != tc.header || len(rows) != 0 {
			t.Errorf("%s: header %q and %d rows, want the header %s and no row", tc.name, header, len(rows), tc.header)
		}
		nd := getExport(t, tc.caller, url.Values{"query": {tc.query}, "format": {"ndjson"}})
		if nd.status != http.StatusOK || len(nd.body) != 0 || nd.header.Get(export.RowsHeader) != "0" {
			t.Errorf("%s as NDJSON: status %d, %d bytes, rows %q; want 200, nothing and 0", tc.name, nd.status, len(nd.body), nd.header.Get(export.RowsHeader))
		}
	}
}

// TestExportIdentityLikeNumbers: badge numbers with leading zeros (042513) stay text in a
// spreadsheet export (="042513") and are bare in the plain CSV, each equal to the database's.
func TestExportIdentityLikeNumbers(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	query := `{ officers(first: 50, orderBy: [{ field: BADGE_NO, direction: ASC }]) { nodes { badgeNo station { code } } } }`
	var want []string
	queryRows(t, hub, `SELECT badge_no FROM police.officer ORDER BY badge_no LIMIT 50`, nil, func(scan func(...any) error) {
		var b string
		_ = scan(&b)
		want = append(want, b)
	})
	_, plain := readCSV(t, getExport(t, hub, url.Values{"query": {query}}))
	sheet := getExport(t, hub, url.Values{"query": {query}, "bom": {"1"}})
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(sheet.body, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(records) != len(want)+1 || len(plain) != len(want) {
		t.Fatalf("exports of %d officers: %d plain rows, %d spreadsheet records (%v)", len(want), len(plain), len(records), err)
	}
	leadingZero := 0
	for i, b := range want {
		if plain[i][0] != b || records[i+1][0] != `="`+b+`"` {
			t.Errorf("officer %d: plain %q, spreadsheet %q; want %s and =\"%s\"", i, plain[i][0], records[i+1][0], b, b)
		}
		if strings.HasPrefix(b, "0") {
			leadingZero++
		}
	}
	if leadingZero == 0 {
		t.Errorf("no badge number with a leading zero among %v: the check proves nothing", want)
	}
}
