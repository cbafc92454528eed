package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"civiclink/playground"
)

// scaleTarget is issue 10's bound on growth: p50 at scale 10 at most 1.2× p50 at scale 1 for
// the paginated contract queries (a page costs what its rows cost, not what the tables hold).
const scaleTarget = 1.2

// scaleSample is one measured run of one query on one database.
type scaleSample struct {
	wrkResult
	tripsPerReq float64
}

// runScales is -mode scales: the hub alone, on a database seeded at scale 1 (-db) and one
// at scale 10 (-db10), the paginated contract queries at concurrency 1, interleaved runs,
// and the ratio of the p50s.
func runScales(ctx context.Context, cfg config, out, progress io.Writer) error {
	say := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }
	loadBefore := loadAverage()
	tmp, err := os.MkdirTemp("", "sidebyside-scales-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dbs := []struct{ name, url string }{{"scale 1", cfg.db}, {"scale 10", cfg.db10}}
	hubs := make([]*side, len(dbs))
	for i, db := range dbs {
		u, err := url.Parse(db.url)
		if err != nil {
			return fmt.Errorf("parse the URL of %s: %w", db.name, err)
		}
		s := &side{name: "CivicLink " + db.name}
		if s.proxy, err = startProxy(ctx, u.Host); err != nil {
			return fmt.Errorf("proxy for %s: %w", s.name, err)
		}
		defer s.proxy.close()
		if err := startHub(ctx, cfg, u, s, tmp); err != nil {
			return err
		}
		defer s.srv.stop()
		hubs[i] = s
	}
	queries := strings.Split(cfg.scaleQueries, ",")
	examples, err := playground.Examples()
	if err != nil {
		return err
	}
	scripts := make(map[string][]string, len(queries)) // query => script per database
	for _, q := range queries {
		body, err := exampleBody(examples, q)
		if err != nil {
			return err
		}
		for i, s := range hubs {
			s.body = body
			say("checking %s on %s ...", q, s.name)
			if err := waitReady(ctx, s); err != nil {
				return err
			}
			if err := answerErrors(s.answer); err != nil {
				return fmt.Errorf("%s on %s: %w", q, s.name, err)
			}
			script, err := wrkScript(tmp, fmt.Sprintf("%s-%d", q, i), body, s.headers)
			if err != nil {
				return err
			}
			scripts[q] = append(scripts[q], script)
		}
	}
	warm := max(time.Second, cfg.warmup/time.Duration(len(queries)))
	for i, s := range hubs {
		say("warming up %s for %v per query ...", s.name, warm)
		for _, q := range queries {
			if _, err := runWrk(ctx, s.url, scripts[q][i], 4, warm); err != nil {
				return err
			}
		}
	}
	results := map[string][][]scaleSample{} // query => per database
	for _, q := range queries {
		results[q] = make([][]scaleSample, len(hubs))
	}
	for run := range cfg.runs {
		for _, q := range queries {
			order := []int{0, 1}
			if run%2 == 1 {
				order = []int{1, 0}
			}
			for _, i := range order {
				s := hubs[i]
				say("run %d/%d: %s on %s, c=1, %v", run+1, cfg.runs, q, s.name, cfg.duration)
				trips0 := s.proxy.roundTrips()
				w, err := runWrk(ctx, s.url, scripts[q][i], 1, cfg.duration)
				if err != nil {
					return err
				}
				trips := float64(s.proxy.roundTrips()-trips0) / float64(max(w.requests, 1))
				results[q][i] = append(results[q][i], scaleSample{wrkResult: w, tripsPerReq: trips})
			}
		}
	}
	writeScales(out, cfg, queries, results, loadBefore, loadAverage(),
		jitReport(map[string]*countingProxy{"scale 1": hubs[0].proxy, "scale 10": hubs[1].proxy}))
	return nil
}

// writeScales prints the medians and the ratios of runScales.
func writeScales(w io.Writer, cfg config, queries []string, results map[string][][]scaleSample, loadBefore, loadAfter, jit string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\nCivicLink at scale 1 and at scale 10: the paginated contract queries as %s, c=1\n", cfg.role)
	p("  %d interleaved runs of %v per query and database (wrk), medians\n", cfg.runs, cfg.duration)
	p("  load before: %s\n  load after:  %s\n", loadBefore, loadAfter)
	p("  PostgreSQL sessions with jit = off: %s\n\n", jit)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tp50 scale 1 (ms)\tp50 scale 10 (ms)\tratio\tp99 scale 1\tp99 scale 10\tround trips 1 / 10\ttarget ≤ 1.2×\t")
	for _, q := range queries {
		get := func(i int, f func(scaleSample) float64) float64 { return med(results[q][i], f) }
		p50 := func(s scaleSample) float64 { return ms(s.p50) }
		p99 := func(s scaleSample) float64 { return ms(s.p99) }
		trips := func(s scaleSample) float64 { return s.tripsPerReq }
		r := get(1, p50) / max(get(0, p50), 1e-9)
		verdict := "met"
		if r > scaleTarget {
			verdict = "NOT met"
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.2f×\t%.1f\t%.1f\t%.1f / %.1f\t%s\t\n",
			q, get(0, p50), get(1, p50), r, get(0, p99), get(1, p99), get(0, trips), get(1, trips), verdict)
	}
	_ = tw.Flush()
}

// exampleBody is the request body of playground example name: its query with its saved
// variables, when it has some.
func exampleBody(examples []playground.Example, name string) ([]byte, error) {
	i := slices.IndexFunc(examples, func(e playground.Example) bool { return e.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("playground example %s not found", name)
	}
	vars := map[string]any{}
	if v := examples[i].Variables; v != "" {
		if err := json.Unmarshal([]byte(v), &vars); err != nil {
			return nil, fmt.Errorf("read the variables of %s: %w", name, err)
		}
	}
	return requestBody(examples[i].Query, vars), nil
}

// answerErrors reports the GraphQL errors of an answer, if any.
func answerErrors(answer []byte) error {
	var res struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.Unmarshal(answer, &res); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("the answer has errors: %s", res.Errors[0].Message)
	}
	return nil
}
