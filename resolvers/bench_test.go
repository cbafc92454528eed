package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"civiclink/db/loaders"
	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
	"civiclink/internal/server"
	"civiclink/playground"
)

// BenchmarkContractQueries runs each contract query through the HTTP endpoint as street
// staff would, reporting SQL statements and the CPU time of this process (the hub, and a
// client reading the answer without decoding it; PostgreSQL runs apart) per request next to the time, which
// on a shared machine says more about the load than about the hub.
//
//	go test -run '^$' -bench ContractQueries -benchtime 50x -benchmem ./resolvers
//
// CIVICLINK_BENCH_SCALE sets the seed scale (default the tests' own, 0.02); 1 is the scale
// of the side-by-side benchmark (referred-disputes first: 100 then reaches 2,715 grants).
func BenchmarkContractQueries(b *testing.B) {
	var scale float64
	if v := os.Getenv("CIVICLINK_BENCH_SCALE"); v != "" {
		var err error
		if scale, err = strconv.ParseFloat(v, 64); err != nil {
			b.Fatalf("CIVICLINK_BENCH_SCALE=%q: %v", v, err)
		}
	}
	// CIVICLINK_BENCH_GENERIC=1 runs every field through gqlgen's generated executor (no
	// internal/fastpath), for before-and-after figures from one build.
	generic := os.Getenv("CIVICLINK_BENCH_GENERIC") == "1"
	hub := hubtest.New(b, hubtest.Options{SeedScale: scale, LoaderWait: loaders.DefaultWait, GenericExecution: generic})
	ctx := context.Background()
	var grid string
	var station, person int64
	_ = hub.Pool.QueryRow(ctx, `SELECT g.code FROM street.grid g JOIN risk.risk_item r ON r.grid_id = g.id
		GROUP BY g.code ORDER BY count(*) DESC LIMIT 1`).Scan(&grid)
	_ = hub.Pool.QueryRow(ctx, `SELECT id FROM police.station ORDER BY id LIMIT 1`).Scan(&station)
	_ = hub.Pool.QueryRow(ctx, `SELECT person_id FROM police.case_party ORDER BY id LIMIT 1`).Scan(&person)
	vars := map[string]map[string]any{
		"referred-disputes": {"first": 100},
		"grid-risk":         {"code": grid},
		"station-welfare":   {"id": globalid.Encode("Station", station)},
		"person-view":       {"id": globalid.Encode("Person", person)},
	}
	examples, err := playground.Examples()
	if err != nil {
		b.Fatal(err)
	}
	staff := hub.As(b, auth.StreetStaff, auth.ScopeClaims{})
	for _, e := range examples {
		v, ok := vars[e.Name]
		if !ok {
			continue
		}
		b.Run(e.Name, func(b *testing.B) {
			body, err := json.Marshal(map[string]any{"query": e.Query, "variables": v})
			if err != nil {
				b.Fatal(err)
			}
			var answer bytes.Buffer
			statements := 0
			cpu := processCPU(b)
			for b.Loop() {
				statements = post(b, staff, body, &answer)
			}
			b.ReportMetric(float64(statements), "stmts/op")
			b.ReportMetric(float64(processCPU(b)-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// post sends a request and reads the answer into buf without decoding it (the client's
// decoding would be most of the CPU time measured besides the hub's), failing on errors;
// it returns the statements the hub counted.
func post(b *testing.B, h *hubtest.Hub, body []byte, buf *bytes.Buffer) int {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, h.Server.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.Token)
	res, err := h.Server.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(res.Body); err != nil {
		b.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !bytes.HasPrefix(buf.Bytes(), []byte(`{"data":`)) {
		b.Fatalf("want an answer without errors, got %d %.2000s", res.StatusCode, buf.Bytes())
	}
	n, _ := strconv.Atoi(res.Header.Get(server.StatementsHeader))
	return n
}

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
