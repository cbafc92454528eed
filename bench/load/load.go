package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"civiclink/internal/server"
	"civiclink/playground"
)

// contractExample is the playground example whose query is measured.
const contractExample = "referred-disputes"

// sample is one successful request.
type sample struct {
	latency    time.Duration
	statements int // -1 when the response had no statements header
	bytes      int
}

// runResult is what one measured (or warm-up) run produced.
type runResult struct {
	samples  []sample
	failures map[string]int // failure description -> count
	elapsed  time.Duration
}

func (r *runResult) failureCount() int {
	n := 0
	for _, c := range r.failures {
		n += c
	}
	return n
}

// merge adds a worker's results.
func (r *runResult) merge(w runResult) {
	r.samples = append(r.samples, w.samples...)
	for k, c := range w.failures {
		r.failures[k] += c
	}
}

// target posts the contract query to one GraphQL endpoint.
type target struct {
	client *http.Client
	url    string
	token  string // bearer token
	body   []byte // the JSON request, the same for every request
	first  int
}

// drive checks that the target answers correctly, warms it up, and runs the measured runs.
// It returns early, with the runs done so far, when ctx is cancelled.
func drive(ctx context.Context, cfg config, url string, progress io.Writer) ([]runResult, error) {
	t, err := newTarget(url, cfg.token, cfg.first, cfg.concurrency, cfg.timeout)
	if err != nil {
		return nil, err
	}
	defer t.client.CloseIdleConnections()
	if _, err := t.do(ctx, &bytes.Buffer{}); err != nil {
		return nil, fmt.Errorf("first request to %s failed, not starting the load: %w", url, err)
	}
	if cfg.warmup > 0 {
		fmt.Fprintf(progress, "warming up for %v with %d workers ...\n", cfg.warmup, cfg.concurrency)
		w := t.load(ctx, cfg.concurrency, cfg.warmup, 0)
		if n := w.failureCount(); n > 0 {
			fmt.Fprintf(progress, "warning: %d of %d warm-up requests failed\n", n, n+len(w.samples))
		}
	}
	stopProfile, err := startProfiles(cfg.cpuProfile, cfg.memProfile)
	if err != nil {
		return nil, err
	}
	defer stopProfile(progress)
	var runs []runResult
	for i := range cfg.runs {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(progress, "run %d/%d: %v with %d workers ...\n", i+1, cfg.runs, cfg.duration, cfg.concurrency)
		runs = append(runs, t.load(ctx, cfg.concurrency, cfg.duration, cfg.maxRequests))
	}
	return runs, nil
}

func newTarget(url, token string, first, concurrency int, timeout time.Duration) (*target, error) {
	query, err := contractQuery()
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(map[string]any{
		"query":     query,
		"variables": map[string]any{"first": first},
	})
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return &target{client: newClient(concurrency, timeout), url: url, token: token, body: body, first: first}, nil
}

// contractQuery returns the text of the contract query from the embedded playground examples.
func contractQuery() (string, error) {
	examples, err := playground.Examples()
	if err != nil {
		return "", fmt.Errorf("load the contract query: %w", err)
	}
	for _, ex := range examples {
		if ex.Name == contractExample {
			return ex.Query, nil
		}
	}
	return "", fmt.Errorf("playground example %s not found", contractExample)
}

// newClient returns a client that keeps one idle connection per worker, so the run measures
// the hub rather than TCP handshakes.
func newClient(concurrency int, timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // loopback only
	tr.MaxIdleConns = concurrency
	tr.MaxIdleConnsPerHost = concurrency
	tr.ForceAttemptHTTP2 = false
	return &http.Client{Transport: tr, Timeout: timeout}
}

// requestBudget caps the number of requests a run issues; max 0 means no cap.
type requestBudget struct {
	max    int64
	issued atomic.Int64
}

func (b *requestBudget) take() bool {
	return b.max == 0 || b.issued.Add(1) <= b.max
}

// load runs concurrency workers until d has passed or maxRequests have been issued, whichever
// comes first. Requests in flight at the deadline are completed and counted; elapsed runs
// until the last one has finished.
func (t *target) load(ctx context.Context, concurrency int, d time.Duration, maxRequests int) runResult {
	budget := &requestBudget{max: int64(maxRequests)}
	results := make([]runResult, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range results {
		wg.Go(func() { results[i] = t.work(ctx, deadline, budget) })
	}
	wg.Wait()
	total := runResult{failures: map[string]int{}, elapsed: time.Since(start)}
	for _, r := range results {
		total.merge(r)
	}
	return total
}

// work is one worker: it sends requests back to back until the deadline, the budget or ctx
// ends it. Requests cut short by ctx are neither samples nor failures.
func (t *target) work(ctx context.Context, deadline time.Time, budget *requestBudget) runResult {
	r := runResult{failures: map[string]int{}}
	var buf bytes.Buffer
	for ctx.Err() == nil && time.Now().Before(deadline) && budget.take() {
		s, err := t.do(ctx, &buf)
		switch {
		case err == nil:
			r.samples = append(r.samples, s)
		case ctx.Err() == nil:
			r.failures[err.Error()]++
		}
	}
	return r
}

// do sends one request and checks the response; buf is scratch space for the body.
func (t *target) do(ctx context.Context, buf *bytes.Buffer) (sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.body))
	if err != nil {
		return sample{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	start := time.Now()
	resp, err := t.client.Do(req)
	if err != nil {
		return sample{}, fmt.Errorf("post: %w", err)
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	latency := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return sample{}, fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(buf.Bytes()))
	}
	if err := checkBody(buf.Bytes(), t.first); err != nil {
		return sample{}, err
	}
	return sample{latency: latency, statements: statements(resp.Header), bytes: buf.Len()}, nil
}

// graphQLResponse is the part of the contract query's response that is checked.
type graphQLResponse struct {
	Data *struct {
		Disputes *struct {
			TotalCount int        `json:"totalCount"`
			Nodes      []struct{} `json:"nodes"`
		} `json:"disputes"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// checkBody accepts a response without errors carrying min(first, totalCount) disputes.
func checkBody(body []byte, first int) error {
	var r graphQLResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("response is not JSON: %w: %s", err, snippet(body))
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("GraphQL error (%d in response): %s", len(r.Errors), r.Errors[0].Message)
	}
	if r.Data == nil || r.Data.Disputes == nil {
		return fmt.Errorf("response has no data.disputes: %s", snippet(body))
	}
	if want := min(first, r.Data.Disputes.TotalCount); len(r.Data.Disputes.Nodes) != want {
		return fmt.Errorf("got %d disputes, want %d (first %d, totalCount %d)",
			len(r.Data.Disputes.Nodes), want, first, r.Data.Disputes.TotalCount)
	}
	return nil
}

// statements reads the hub's statement count header; -1 when absent or malformed.
func statements(h http.Header) int {
	n, err := strconv.Atoi(h.Get(server.StatementsHeader))
	if err != nil {
		return -1
	}
	return n
}

// snippet shortens a response body for a failure message.
func snippet(b []byte) string {
	const maxLen = 200
	b = bytes.TrimSpace(b)
	if len(b) > maxLen {
		return string(b[:maxLen]) + "..."
	}
	return string(b)
}
