package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"civiclink/internal/pagesize"

	"github.com/99designs/gqlgen/graphql"
)

// pagedGraphQL answers a paged export's pages of a connection of total disputes, as the hub's
// endpoint would: it reads each page's first and after, shows the export the operation, and
// writes that page's edges and the reserved pageInfo. Before the page starting at row
// holdAt (when hold is set) it waits for hold.
type pagedGraphQL struct {
	t      *testing.T
	total  int
	holdAt int
	hold   chan struct{}
	pages  *atomic.Int32
	failAt int // when set, the page starting at this row answers a GraphQL error
}

func (f pagedGraphQL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	Operations(graphql.WithOperationContext(r.Context(), operation(f.t, req.Query, req.Variables)),
		func(context.Context) graphql.ResponseHandler { return nil })
	first, _ := req.Variables[pageFirstVar].(float64)
	from := 0
	if after, ok := req.Variables[pageAfterVar].(string); ok {
		from, _ = strconv.Atoi(strings.TrimPrefix(after, "c"))
	}
	if f.hold != nil && from == f.holdAt {
		<-f.hold
	}
	f.pages.Add(1)
	if f.failAt > 0 && from == f.failAt {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"errors":[{"message":"the database went away","extensions":{"code":"INTERNAL"}}],"data":null}`)
		return
	}
	to := min(from+int(first), f.total)
	w.Header().Set("Content-Type", "application/json")
	var b strings.Builder
	b.WriteString(`{"data":{"disputes":{"edges":[`)
	for i := from; i < to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"node":{"id":"D%d","no":"和平里-%06d"}}`, i, i)
	}
	fmt.Fprintf(&b, `],%q:{"hasNextPage":%v,"endCursor":"c%d"}}}}`, pageInfoKey, to < f.total, to)
	_, _ = io.WriteString(w, b.String())
}

const pagedQuery = `query($n: Int) { disputes(first: $n) { edges { node { id no } } } }`

// TestPagedExportStreams: the first page's rows reach the client before the export asks for
// the last page (the fake endpoint holds the last page until the client has read rows), one
// header heads every page's rows, and each page asks for the rows still wanted.
func TestPagedExportStreams(t *testing.T) {
	const total = 2*pagesize.Max + 123
	hold := make(chan struct{})
	pages := &atomic.Int32{}
	fake := pagedGraphQL{t: t, total: total, holdAt: 2 * pagesize.Max, hold: hold, pages: pages}
	srv := httptest.NewServer(Handler(fake, "/graphql", slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/export?" + url.Values{"query": {pagedQuery}, "vars": {`{"n": 5000}`}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	timer := time.AfterFunc(10*time.Second, func() { close(hold) })
	sc := bufio.NewScanner(res.Body)
	n, early := 0, false
	for sc.Scan() {
		n++
		if n == 1 && sc.Text() != "id,no" {
			t.Errorf("first line %q, want the header id,no", sc.Text())
		}
		if n == 2 && timer.Stop() {
			// A row arrived while the endpoint still holds the last page.
			early = true
			close(hold)
		}
		if n > 1 && sc.Text() != fmt.Sprintf("D%d,和平里-%06d", n-2, n-2) {
			t.Fatalf("line %d = %q, want row %d of the connection", n, sc.Text(), n-2)
		}
	}
	if !early {
		t.Error("no row reached the client before the export asked for the last page: want each page sent before the next is asked for")
	}
	if n != total+1 || pages.Load() != 3 {
		t.Errorf("%d lines in %d pages, want %d (one header, then every row) in 3 pages", n, pages.Load(), total+1)
	}
	if got := res.Trailer.Get(RowsHeader); got != strconv.Itoa(total) {
		t.Errorf("rows trailer %q, want %d", got, total)
	}
}

// TestPagedExportMemory: a paged export holds about one page at its peak, not the rows of
// every page: forty pages peak about as high as five.
func TestPagedExportMemory(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	peakOf := func(pages int) uint64 {
		total := pages * pagesize.Max
		h := Handler(pagedGraphQL{t: t, total: total, pages: &atomic.Int32{}}, "/graphql", slog.New(slog.NewTextHandler(io.Discard, nil)))
		w := &countingWriter{header: http.Header{}}
		target := "/export?" + url.Values{"query": {pagedQuery}, "vars": {fmt.Sprintf(`{"n": %d}`, total)}}.Encode()
		peak, took := peakHeap(func() { h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil)) })
		if w.status != http.StatusOK {
			t.Fatalf("%d pages: status %d", pages, w.status)
		}
		t.Logf("paged export of %d rows in %d pages: output %d KiB, peak heap above the start %d KiB, %v",
			total, pages, w.n>>10, peak>>10, took.Round(time.Millisecond))
		return peak
	}
	few, many := peakOf(5), peakOf(40)
	// Collected before being written, forty pages would hold eight times what five hold.
	if many > 2*few+256<<10 {
		t.Errorf("forty pages peaked at %d KiB, five at %d KiB: want about the same (under twice, plus 256 KiB); are pages collected before they are written?",
			many>>10, few>>10)
	}
}

// TestPagedExportBreaksOnAFailedPage: when a page after the first fails, rows were already
// sent and no error can be written any more; the transfer breaks, so that the client sees a
// failed download rather than a short file that looks whole.
func TestPagedExportBreaksOnAFailedPage(t *testing.T) {
	fake := pagedGraphQL{t: t, total: 3 * pagesize.Max, pages: &atomic.Int32{}, failAt: pagesize.Max}
	srv := httptest.NewServer(Handler(fake, "/graphql", slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/export?" + url.Values{"query": {pagedQuery}, "vars": {`{"n": 1500}`}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil {
		t.Errorf("the export of a failed second page read whole (%d bytes, rows trailer %q): want the transfer broken",
			len(body), res.Trailer.Get(RowsHeader))
	}
	if fake.pages.Load() != 2 {
		t.Errorf("%d pages asked for, want 2 (none after the failed one)", fake.pages.Load())
	}
}
