package export_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"civiclink/internal/export"
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

// fakeGraphQL answers every request with body, written in chunks of chunk bytes.
type fakeGraphQL struct {
	body  []byte
	chunk int
}

func (f fakeGraphQL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	for rest := f.body; len(rest) > 0; {
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
	h := export.Handler(fakeGraphQL{body: body, chunk: 1 << 20}, "/graphql", slog.New(slog.NewTextHandler(io.Discard, nil)))
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
	}
}
