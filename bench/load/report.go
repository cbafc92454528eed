package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"civiclink/internal/server"
)

// report is everything printed at the end, in text or as JSON.
type report struct {
	Query       string     `json:"query"`
	Target      string     `json:"target"`
	Setup       *setupInfo `json:"setup,omitempty"` // nil with -url
	Scale       *float64   `json:"scale"`           // nil (unknown) with -url
	Concurrency int        `json:"concurrency"`
	First       int        `json:"first"`
	DurationSec float64    `json:"duration_seconds"`
	WarmupSec   float64    `json:"warmup_seconds"`
	MaxRequests int        `json:"max_requests"` // per run; 0 = no cap
	GOMAXPROCS  int        `json:"gomaxprocs"`
	NumCPU      int        `json:"num_cpu"`
	GoVersion   string     `json:"go_version"`
	Platform    string     `json:"platform"`
	Runs        []runStats `json:"runs"`
	Median      *medians   `json:"median,omitempty"` // over runs, when there are several
	Interrupted bool       `json:"interrupted,omitempty"`
}

// runStats summarises one measured run. Latencies are in milliseconds.
type runStats struct {
	Requests      int            `json:"requests"` // successful + failed
	Failures      int            `json:"failures"`
	FailureKinds  map[string]int `json:"failure_kinds,omitempty"`
	ElapsedSec    float64        `json:"elapsed_seconds"`
	RPS           float64        `json:"requests_per_second"` // successful requests only
	P50           float64        `json:"p50_ms"`
	P90           float64        `json:"p90_ms"`
	P99           float64        `json:"p99_ms"`
	Max           float64        `json:"max_ms"`
	Statements    *spread        `json:"statements_per_request"` // nil when no response carried the header
	ResponseBytes spread         `json:"response_bytes"`
}

// spread is the minimum, median and maximum of a per-request quantity.
type spread struct {
	Min    int `json:"min"`
	Median int `json:"median"`
	Max    int `json:"max"`
}

// medians are the medians over runs of the headline figures.
type medians struct {
	Runs int     `json:"runs"`
	RPS  float64 `json:"requests_per_second"`
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
}

func newReport(cfg config) *report {
	return &report{
		Query:       contractExample,
		Concurrency: cfg.concurrency,
		First:       cfg.first,
		DurationSec: cfg.duration.Seconds(),
		WarmupSec:   cfg.warmup.Seconds(),
		MaxRequests: cfg.maxRequests,
		GOMAXPROCS:  runtime.GOMAXPROCS(0),
		NumCPU:      runtime.NumCPU(),
		GoVersion:   runtime.Version(),
		Platform:    runtime.GOOS + "/" + runtime.GOARCH,
	}
}

// addRuns summarises the runs and, when there are several, their medians.
func (r *report) addRuns(runs []runResult) {
	for _, run := range runs {
		r.Runs = append(r.Runs, summarise(run))
	}
	if len(r.Runs) > 1 {
		pick := func(f func(runStats) float64) float64 {
			vals := make([]float64, len(r.Runs))
			for i, s := range r.Runs {
				vals[i] = f(s)
			}
			return median(vals)
		}
		r.Median = &medians{
			Runs: len(r.Runs),
			RPS:  pick(func(s runStats) float64 { return s.RPS }),
			P50:  pick(func(s runStats) float64 { return s.P50 }),
			P99:  pick(func(s runStats) float64 { return s.P99 }),
		}
	}
}

func summarise(run runResult) runStats {
	lat := make([]float64, len(run.samples))
	sizes := make([]int, len(run.samples))
	var stmts []int
	for i, s := range run.samples {
		lat[i] = float64(s.latency) / float64(time.Millisecond)
		sizes[i] = s.bytes
		if s.statements >= 0 {
			stmts = append(stmts, s.statements)
		}
	}
	slices.Sort(lat)
	st := runStats{
		Failures:      run.failureCount(),
		ElapsedSec:    run.elapsed.Seconds(),
		P50:           percentile(lat, 50),
		P90:           percentile(lat, 90),
		P99:           percentile(lat, 99),
		ResponseBytes: spreadOf(sizes),
	}
	st.Requests = len(run.samples) + st.Failures
	if len(lat) > 0 {
		st.Max = lat[len(lat)-1]
	}
	if run.elapsed > 0 {
		st.RPS = float64(len(run.samples)) / run.elapsed.Seconds()
	}
	if len(stmts) > 0 {
		s := spreadOf(stmts)
		st.Statements = &s
	}
	if st.Failures > 0 {
		st.FailureKinds = run.failures
	}
	return st
}

// percentile is the nearest-rank percentile p of sorted values (0 when empty).
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func spreadOf(vals []int) spread {
	if len(vals) == 0 {
		return spread{}
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	return spread{Min: s[0], Median: s[(len(s)-1)/2], Max: s[len(s)-1]}
}

// median of vals; the mean of the middle two for an even count.
func median(vals []float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 0 {
		return (s[mid-1] + s[mid]) / 2
	}
	return s[mid]
}

func (r *report) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	var b strings.Builder
	r.writeText(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *report) writeText(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("\nCivicLink load benchmark: %s (first %d)\n", r.Query, r.First)
	p("  target       %s\n", r.Target)
	if s := r.Setup; s != nil {
		p("  database     %s, pool %d connections\n", s.Database, s.PoolConns)
		p("  scale        %v (seeded %d rows in %.1fs)\n", s.Scale, s.Rows, s.SeedSeconds)
	} else {
		p("  scale        unknown (external hub)\n")
	}
	limit := "no request cap"
	if r.MaxRequests > 0 {
		limit = fmt.Sprintf("at most %d requests per run", r.MaxRequests)
	}
	p("  load         concurrency %d, %v per run after %v warm-up, %s\n",
		r.Concurrency, secs(r.DurationSec), secs(r.WarmupSec), limit)
	p("  runtime      %s %s, GOMAXPROCS %d, %d CPUs\n", r.GoVersion, r.Platform, r.GOMAXPROCS, r.NumCPU)
	if len(r.Runs) == 0 {
		p("\nno measured run\n")
	}
	for i, s := range r.Runs {
		p("\nrun %d/%d\n", i+1, len(r.Runs))
		writeRun(p, s)
	}
	if m := r.Median; m != nil {
		p("\nmedian of %d runs: %.1f requests/s, p50 %s, p99 %s\n", m.Runs, m.RPS, ms(m.P50), ms(m.P99))
	}
	if r.Interrupted {
		p("\n(interrupted: the last run may be partial)\n")
	}
}

func writeRun(p func(string, ...any), s runStats) {
	p("  requests     %d (%d failed) in %.2fs\n", s.Requests, s.Failures, s.ElapsedSec)
	p("  throughput   %.1f requests/s\n", s.RPS)
	p("  latency      p50 %s  p90 %s  p99 %s  max %s\n", ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
	if st := s.Statements; st != nil {
		p("  statements   per request min %d / median %d / max %d\n", st.Min, st.Median, st.Max)
	} else {
		p("  statements   unknown (no %s header)\n", server.StatementsHeader)
	}
	rb := s.ResponseBytes
	p("  response     %d bytes median (min %d, max %d)\n", rb.Median, rb.Min, rb.Max)
	kinds := slices.SortedFunc(maps.Keys(s.FailureKinds), func(a, b string) int {
		return cmp.Or(cmp.Compare(s.FailureKinds[b], s.FailureKinds[a]), strings.Compare(a, b))
	})
	for _, k := range kinds {
		p("  failure      %d x %s\n", s.FailureKinds[k], k)
	}
}

func ms(v float64) string { return fmt.Sprintf("%.2fms", v) }

func secs(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }
