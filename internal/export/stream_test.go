package export

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// bigAnswer is a GraphQL answer of n rows of a *Stats-like list, as the hub writes it.
func bigAnswer(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":{"gridEventStats":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"bucketLabel":"2021-%02d","grid":{"code":"C%02d-%02d","name":"和平里第%d网格"},"suppressed":false,"count":%d,"shareClosed":0.%04d,"medianDaysToClose":%d.5}`,
			i%12+1, i%40, i%7, i%97, i, i%10000, i%30)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// bigQuery is the operation of bigAnswer.
const bigQuery = `{ gridEventStats { bucketLabel grid { code name } suppressed count shareClosed medianDaysToClose } }`

// fakeGraphQL answers every request with body, as the hub's endpoint would for op (which it
// shows to the export as the hub's Operations middleware does), written in chunks of chunk
// bytes; before the chunk at pause (when set) it waits for resume.
type fakeGraphQL struct {
	op     *graphql.OperationContext
	body   []byte
	chunk  int
	pause  int
	resume chan struct{}
}

func (f fakeGraphQL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	Operations(graphql.WithOperationContext(r.Context(), f.op), func(context.Context) graphql.ResponseHandler { return nil })
	w.Header().Set("Content-Type", "application/json")
	for i, rest := 0, f.body; len(rest) > 0; i++ {
		if f.resume != nil && i == f.pause {
			<-f.resume
		}
		n := min(f.chunk, len(rest))
		if _, err := w.Write(rest[:n]); err != nil {
			return
		}
		rest = rest[n:]
	}
}

// countingWriter is a client that counts the bytes it is sent and keeps none.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *countingWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(b)
	return len(b), nil
}

// peakHeap runs f while sampling the live heap, and returns the highest heap in use above
// the level before f, and f's duration.
func peakHeap(f func()) (uint64, time.Duration) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Microsecond):
			}
		}
	}()
	start := time.Now()
	f()
	took := time.Since(start)
	close(stop)
	<-done
	if p := peak.Load(); p > base {
		return p - base, took
	}
	return 0, took
}

// TestExportMemory measures the heap an export of many rows holds at its peak (the GraphQL
// answer itself, which the hub's executor builds whole, is allocated before the export
// starts): the rows are written as they are decoded, so the peak stays a small multiple of
// the answer instead of the decoded tree of every row.
func TestExportMemory(t *testing.T) {
	const rows = 20000
	body := bigAnswer(rows)
	h := Handler(fakeGraphQL{op: operation(t, bigQuery, nil), body: body, chunk: len(body)}, "/graphql", slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer debug.SetGCPercent(debug.SetGCPercent(10)) // collect garbage early: measure what is held
	for _, format := range []string{"csv", "ndjson"} {
		w := &countingWriter{header: http.Header{}}
		peak, took := peakHeap(func() {
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/export?format="+format+"&query={x}", nil))
		})
		if w.status != http.StatusOK {
			t.Fatalf("%s export: status %d", format, w.status)
		}
		t.Logf("%s export of %d rows: answer %d KiB, output %d KiB, peak heap above the start %d KiB, %v",
			format, rows, len(body)>>10, w.n>>10, peak>>10, took.Round(time.Millisecond))
		// Decoding the whole answer into a tree first held about ten times the answer
		// (31 MiB for this CSV, 33 MiB for the NDJSON); streamed, about the answer's size.
		if limit := 3 * uint64(len(body)); peak > limit {
			t.Errorf("%s export of %d rows held %d KiB at its peak, want under %d KiB (three times the answer): are rows still collected before they are written?",
				format, rows, peak>>10, limit>>10)
		}
	}
}

// TestExportStreams checks that rows reach the client while the GraphQL answer is still
// being written: the fake endpoint stops after its first chunk until the client has read
// rows of it, and the row count and truncation come as trailers.
func TestExportStreams(t *testing.T) {
	const rows = 3000
	body := bigAnswer(rows)
	for _, tc := range []struct {
		format string
		limit  int
		lines  int
	}{
		{"csv", 0, rows + 1},
		{"ndjson", 0, rows},
		{"csv", 100, 101},
	} {
		var resume chan struct{}
		if tc.limit == 0 {
			resume = make(chan struct{})
		}
		fake := fakeGraphQL{op: operation(t, bigQuery, nil), body: body, chunk: len(body) / 4, pause: 1, resume: resume}
		srv := httptest.NewServer(Handler(fake, "/graphql", slog.New(slog.NewTextHandler(io.Discard, nil))))
		defer srv.Close()
		url := fmt.Sprintf("%s/export?format=%s&query=%s", srv.URL, tc.format, strings.ReplaceAll(bigQuery, " ", "+"))
		if tc.limit > 0 {
			url += fmt.Sprintf("&limit=%d", tc.limit)
		}
		res, err := srv.Client().Get(url)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(res.Body)
		n := 0
		early := 0
		var timer *time.Timer
		if resume != nil {
			timer = time.AfterFunc(10*time.Second, func() { close(resume) })
		}
		for sc.Scan() {
			n++
			if n == 50 && resume != nil && timer.Stop() {
				// Fifty rows arrived while the endpoint still holds three quarters of its answer.
				early = n
				close(resume)
			}
		}
		res.Body.Close()
		if tc.limit == 0 && early == 0 {
			t.Errorf("%s: no rows reached the client before the endpoint wrote the rest of its answer", tc.format)
		}
		if n != tc.lines {
			t.Errorf("%s limit %d: %d lines, want %d", tc.format, tc.limit, n, tc.lines)
		}
		wantRows, wantTrunc := fmt.Sprint(rows), "false"
		if tc.limit > 0 {
			wantRows, wantTrunc = fmt.Sprint(tc.limit), "true"
		}
		if got := res.Trailer.Get(RowsHeader); got != wantRows || res.Trailer.Get(TruncatedHeader) != wantTrunc {
			t.Errorf("%s limit %d: trailers %s=%q %s=%q, want %s and %s", tc.format, tc.limit, RowsHeader, got,
				TruncatedHeader, res.Trailer.Get(TruncatedHeader), wantRows, wantTrunc)
		}
	}
}

// TestExportWithoutOperation: an endpoint that answers data without running Operations (not
// wired as Handler requires) gets no export, but an internal error.
func TestExportWithoutOperation(t *testing.T) {
	answer := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"stats":[{"n":1}]}}`))
	})
	h := Handler(answer, "/graphql", slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export?query=%7B+stats+%7B+n+%7D+%7D", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"INTERNAL"`) {
		t.Errorf("status %d, body %s: want 500 and INTERNAL", rec.Code, rec.Body.String())
	}
}
