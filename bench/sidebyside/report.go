package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// report is the benchmark's printed result.
type report struct {
	cfg                   config
	equal                 bool
	detail                string
	hub, pg5              map[int][]sample
	hubTrips, pg5Trips    map[int]float64 // round trips per complete request, per c
	floors                map[int][]floorResult
	loadBefore, loadAfter string
	sizes                 [2]int
	statements            string // the hub's statement header on its first answer
	jit                   string // sessions with jit = off, per side
}

// metric reads one figure of a sample.
type metric struct {
	name string
	unit string
	get  func(sample) float64
}

var metrics = []metric{
	{"req/s", "", func(s sample) float64 { return s.reqPerSec }},
	{"requests per run", "", func(s sample) float64 { return float64(s.requests) }},
	{"p50", "ms", func(s sample) float64 { return ms(s.p50) }},
	{"p99", "ms", func(s sample) float64 { return ms(s.p99) }},
	{"server CPU/request", "ms", func(s sample) float64 { return s.cpuPerReq }},
	{"PostgreSQL CPU/request", "ms", func(s sample) float64 { return s.pgCPUPerReq }},
	{"round trips/request", "", func(s sample) float64 { return s.tripsPerReq }},
	{"RSS after run", "MiB", func(s sample) float64 { return float64(s.rss) / (1 << 20) }},
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// med is the median of one metric over runs (of one side and concurrency, or of one query
// and database).
func med[S any](samples []S, get func(S) float64) float64 {
	xs := make([]float64, len(samples))
	for i, s := range samples {
		xs[i] = get(s)
	}
	return median(xs)
}

func (r report) write(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\nCivicLink beside PostGraphile v5: %s (first %d) as %s under the same row security\n",
		strings.TrimSuffix(r.cfg.hubQuery[strings.LastIndex(r.cfg.hubQuery, "/")+1:], ".graphql"), r.cfg.first, r.cfg.role)
	p("  %d interleaved runs of %v per side and concurrency (wrk), medians; floor through pgbench\n", r.cfg.runs, r.cfg.duration)
	p("  load before: %s\n  load after:  %s\n", r.loadBefore, r.loadAfter)
	p("  answers equal after normalisation (jq -S -f normalize.jq): %v %s\n", r.equal, r.detail)
	p("  response bytes: CivicLink %d, PostGraphile %d; the hub's %s: %s\n", r.sizes[0], r.sizes[1], statementsHeader, r.statements)
	p("  round trips are counted by a proxy between each server and PostgreSQL (connection set-up and\n  first preparations included, hence the warm-up)\n")
	p("  PostgreSQL sessions with jit = off (startup messages read by the proxies): %s\n", r.jit)
	p("  PostgreSQL CPU/request: the postmaster's backends, live and exited, during each side's run\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tc\tCivicLink\tPostGraphile\tratio CivicLink/PostGraphile\t")
	for _, m := range metrics {
		for _, c := range []int{1, 16} {
			h, g := med(r.hub[c], m.get), med(r.pg5[c], m.get)
			ratio := "–"
			if g > 0 {
				ratio = fmt.Sprintf("%.2f×", h/g)
			}
			name := m.name
			if m.unit != "" {
				name += " (" + m.unit + ")"
			}
			fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%s\t\n", name, c, h, g, ratio)
		}
	}
	for _, c := range []int{1, 16} {
		bad := 0
		for _, s := range append(append([]sample{}, r.hub[c]...), r.pg5[c]...) {
			bad += s.bad
		}
		if bad > 0 {
			fmt.Fprintf(tw, "non-2xx or socket errors\t%d\t%d\t\t\t\n", c, bad)
		}
	}
	for _, c := range []int{1, 16} {
		h, g := r.hubTrips[c], r.pg5Trips[c]
		fmt.Fprintf(tw, "round trips/complete request\t%d\t%.2f\t%.2f\t%.2f×\t\n", c, h, g, h/max(g, 1e-9))
	}
	_ = tw.Flush()
	p("\n  round trips/request: over each wrk run, whose end cuts off the requests in flight (their\n  statements counted, they not); round trips/complete request: over %d requests per worker after\n  the runs, all completed\n", completeRequestsPerWorker)
	p("\n  req/s per run, c=16: CivicLink %s; PostGraphile %s\n", runs(r.hub[16]), runs(r.pg5[16]))
	for _, c := range []int{1, 16} {
		var tps, lat []float64
		for _, f := range r.floors[c] {
			tps = append(tps, f.tps)
			lat = append(lat, ms(f.latency))
		}
		p("  floor (floor-json.sql, one statement, pgbench) c=%d: %.1f tps, %.1f ms average latency\n", c, median(tps), median(lat))
	}
	r.targets(p)
}

func runs(samples []sample) string {
	parts := make([]string, len(samples))
	for i, s := range samples {
		parts[i] = fmt.Sprintf("%.1f", s.reqPerSec)
	}
	return strings.Join(parts, " ")
}

// targets prints issue 10's targets against the medians.
func (r report) targets(p func(string, ...any)) {
	rps := func(m map[int][]sample, c int) float64 { return med(m[c], metrics[0].get) }
	p50 := func(m map[int][]sample, c int) float64 { return med(m[c], metrics[2].get) }
	cpu := func(c int) float64 { return med(r.hub[c], metrics[4].get) }
	trips := func(c int) float64 { return r.hubTrips[c] }
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	p("\n  targets (issue 10):\n")
	t := rps(r.hub, 16) / max(rps(r.pg5, 16), 1e-9)
	p("    throughput c=16 ≥ 2× PostGraphile's: %.2f× — %s\n", t, verdict(t >= 2))
	l := p50(r.hub, 1) / max(p50(r.pg5, 1), 1e-9)
	p("    p50 c=1 ≤ 0.5× PostGraphile's: %.2f× — %s\n", l, verdict(l <= 0.5))
	p("    hub CPU/request ≤ 20 ms: %.1f ms at c=1, %.1f ms at c=16 — %s\n", cpu(1), cpu(16), verdict(cpu(1) <= 20 && cpu(16) <= 20))
	p("    round trips/complete request equal at c=1 and c=16 and = %d (documented statements): %.2f and %.2f — %s\n",
		r.cfg.bound, trips(1), trips(16), verdict(round(trips(1)) == round(trips(16)) && round(trips(1)) == float64(r.cfg.bound)))
}

func round(f float64) float64 { return float64(int(f + 0.5)) }
