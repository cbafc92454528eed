package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run measured.
type wrkResult struct {
	requests  int
	seconds   float64
	reqPerSec float64
	p50, p99  time.Duration
	bad       int // non-2xx responses and socket errors
}

// wrkScript writes a wrk Lua script that POSTs body with headers, and returns its path.
func wrkScript(dir, name string, body []byte, headers map[string]string) (string, error) {
	var b strings.Builder
	b.WriteString("wrk.method = \"POST\"\n")
	fmt.Fprintf(&b, "wrk.body = %s\n", luaString(string(body)))
	b.WriteString("wrk.headers[\"Content-Type\"] = \"application/json\"\n")
	b.WriteString("wrk.headers[\"Accept\"] = \"application/json\"\n")
	for k, v := range headers {
		fmt.Fprintf(&b, "wrk.headers[%q] = %q\n", k, v) // header names and values are plain ASCII
	}
	path := filepath.Join(dir, name+".lua")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// luaString quotes s as a Lua long string literal.
func luaString(s string) string {
	eq := ""
	for strings.Contains(s, "]"+eq+"]") {
		eq += "="
	}
	return "[" + eq + "[" + s + "]" + eq + "]"
}

// requestBody is the JSON body of a GraphQL request.
func requestBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

var (
	reRequests = regexp.MustCompile(`(\d+) requests in ([\d.]+)(us|ms|s|m)`)
	reRate     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reLatency  = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// runWrk drives url with c connections for d and parses wrk's report.
func runWrk(ctx context.Context, url, script string, c int, d time.Duration) (wrkResult, error) {
	threads := min(c, 2)
	out, err := run(ctx, nil, "wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(c),
		"-d", fmt.Sprintf("%ds", int(d.Seconds())), "--timeout", "30s", "--latency", "-s", script, url)
	if err != nil {
		return wrkResult{}, err
	}
	return parseWrk(string(out))
}

func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	m := reRequests.FindStringSubmatch(out)
	rate := reRate.FindStringSubmatch(out)
	if m == nil || rate == nil {
		return r, fmt.Errorf("unexpected wrk output:\n%s", out)
	}
	r.requests, _ = strconv.Atoi(m[1])
	r.seconds = duration(m[2], m[3]).Seconds()
	r.reqPerSec, _ = strconv.ParseFloat(rate[1], 64)
	for _, l := range reLatency.FindAllStringSubmatch(out, -1) {
		v := duration(l[2], l[3])
		if l[1] == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	if n := reNon2xx.FindStringSubmatch(out); n != nil {
		r.bad, _ = strconv.Atoi(n[1])
	}
	if s := reSocket.FindStringSubmatch(out); s != nil {
		for _, v := range s[1:] {
			n, _ := strconv.Atoi(v)
			r.bad += n
		}
	}
	return r, nil
}

// duration turns wrk's "12.34" "ms" into a time.Duration.
func duration(v, unit string) time.Duration {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "us":
		return time.Duration(f * float64(time.Microsecond))
	case "ms":
		return time.Duration(f * float64(time.Millisecond))
	case "m":
		return time.Duration(f * float64(time.Minute))
	}
	return time.Duration(f * float64(time.Second))
}
