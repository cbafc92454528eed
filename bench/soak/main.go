// Command soak runs the hub under a bounded storm on loopback and checks that it loses no
// event: mixed reads and mutations, -subscribers WebSocket subscribers, one PostgreSQL
// restart and one kill -9 of the hub in the middle. It prints, per subscriber, the events
// committed (the outbox rows since the start) against those delivered (distinct ids; they
// must be equal), the p99 of a probe query during the storm, and the hub's RSS at the start
// and at the end. It exits 1 when any subscriber missed an event.
//
//	go run ./bench/soak -d 10m    # see bench/README.md, "Soak"
package main

import (
	"civiclink/bench/internal/hubproc"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/pglocal"

	"github.com/jackc/pgx/v5"
)

type config struct {
	duration    time.Duration
	subscribers int
	writers     int
	readers     int
	scale       float64
	civiclink   string
	drain       time.Duration
}

func main() {
	var cfg config
	flag.DurationVar(&cfg.duration, "d", 10*time.Minute, "length of the storm (the restart and the kill fall at 40% and 60% of it)")
	flag.IntVar(&cfg.subscribers, "subscribers", 200, "WebSocket subscribers")
	flag.IntVar(&cfg.writers, "writers", 4, "clients running mutations back to back")
	flag.IntVar(&cfg.readers, "readers", 4, "clients running list queries back to back")
	flag.Float64Var(&cfg.scale, "scale", 0.2, "seed scale")
	flag.StringVar(&cfg.civiclink, "civiclink", "", "the civiclink binary (built into a temporary folder when empty)")
	flag.DurationVar(&cfg.drain, "drain", time.Minute, "how long, after the storm, the subscribers may go without one of them receiving an event before the soak stops waiting for them to catch up")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, cfg config, out io.Writer) (bool, error) {
	tmp, err := os.MkdirTemp("", "civiclink-soak-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	if cfg.civiclink == "" {
		cfg.civiclink = filepath.Join(tmp, "civiclink")
		say("building civiclink")
		if b, err := exec.CommandContext(ctx, "go", "build", "-o", cfg.civiclink, "./cmd/civiclink").CombinedOutput(); err != nil {
			return false, fmt.Errorf("build civiclink: %w: %s", err, b)
		}
	}
	pgOpts := pglocal.Options{DataDir: filepath.Join(tmp, "pg"), Ephemeral: true, Logger: slog.New(slog.DiscardHandler)}
	cluster, err := pglocal.Start(ctx, pgOpts)
	if err != nil {
		return false, fmt.Errorf("start PostgreSQL: %w", err)
	}
	defer func() { _ = cluster.Stop(context.WithoutCancel(ctx)) }()
	pgOpts.Port = cluster.Port()
	dbURL := cluster.URL("postgres")
	if err := os.Setenv("PGPASSFILE", cluster.PassFile()); err != nil {
		return false, err
	}
	port, err := hubproc.FreePort()
	if err != nil {
		return false, err
	}
	secrets := hubproc.NewSecrets()
	h := &hub{
		bin: cfg.civiclink, dir: tmp, addr: "127.0.0.1:" + strconv.Itoa(port),
		env: append(secrets.Env(),
			"DATABASE_URL="+dbURL, "PGPASSFILE="+cluster.PassFile(),
			"CIVICLINK_RATE_LIMIT_IP=0", "CIVICLINK_RATE_LIMIT_KEY=0", "CIVICLINK_LOG_LEVEL=warn",
			"CIVICLINK_MAX_SUBSCRIPTIONS_PER_CALLER=1000",
		),
	}
	say("seeding at scale %g", cfg.scale)
	if err := h.command(ctx, "seed", "-scale", strconv.FormatFloat(cfg.scale, 'g', -1, 64)); err != nil {
		return false, err
	}
	if err := h.start(ctx); err != nil {
		return false, err
	}
	defer h.kill()
	secret := []byte(secrets.JWT)
	token := func(subject string) string {
		t, err := auth.IssueToken(secret, subject, auth.Admin, auth.ScopeClaims{}, 24*time.Hour)
		if err != nil {
			panic(err)
		}
		return t
	}
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return false, err
	}
	var (
		startID            int64
		fx                 fixtures
		stationCode, badge string
	)
	if err := db.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM hub.outbox`).Scan(&startID); err != nil {
		return false, err
	}
	// The writers are police officers of a station, registering cases in one of its grids.
	var stationPK, gridPK int64
	if err := db.QueryRow(ctx, `SELECT o.station_id, s.code, o.badge_no, g.id
		FROM police.officer o JOIN police.station s ON s.id = o.station_id
		JOIN police.station_community sc ON sc.station_id = o.station_id
		JOIN street.grid g ON g.community_id = sc.community_id
		ORDER BY o.id, g.id LIMIT 1`).Scan(&stationPK, &stationCode, &badge, &gridPK); err != nil {
		return false, fmt.Errorf("pick a station, officer and grid: %w", err)
	}
	fx.station, fx.grid = globalid.Encode("Station", stationPK), globalid.Encode("Grid", gridPK)
	_ = db.Close(ctx)
	c := newClient(h.url())
	officer := func(subject string) string {
		t, err := auth.IssueToken(secret, subject, auth.PoliceOfficer, auth.ScopeClaims{Station: stationCode, Officer: badge}, 24*time.Hour)
		if err != nil {
			panic(err)
		}
		return t
	}
	rssStart := h.rss()

	storm, endStorm := context.WithCancel(ctx)
	defer endStorm()
	subs := make([]*subscriber, cfg.subscribers)
	var wg sync.WaitGroup
	for i := range subs {
		subs[i] = &subscriber{n: i, url: h.wsURL(), token: token(fmt.Sprintf("soak-sub-%d", i)), last: startID, seen: map[int64]bool{}}
		wg.Add(1)
		go func() { defer wg.Done(); subs[i].run(ctx) }()
	}
	say("waiting for %d subscribers", len(subs))
	waitUntil(ctx, time.Minute, func() bool {
		for _, s := range subs {
			if !s.connected.Load() {
				return false
			}
		}
		return true
	})
	var st stats
	var load sync.WaitGroup
	for i := range cfg.writers {
		load.Add(1)
		go func() { defer load.Done(); writer(storm, c, officer(fmt.Sprintf("soak-writer-%d", i)), fx, &st) }()
	}
	for i := range cfg.readers {
		load.Add(1)
		go func() { defer load.Done(); reader(storm, c, token(fmt.Sprintf("soak-reader-%d", i)), &st) }()
	}
	var probes []time.Duration
	load.Add(1)
	go func() { defer load.Done(); probes = probe(storm, c, token("soak-probe"), &st) }()

	say("storm of %v: %d writers, %d readers, %d subscribers", cfg.duration, cfg.writers, cfg.readers, len(subs))
	started := time.Now()
	sleepUntil(ctx, started.Add(cfg.duration*4/10))
	say("restarting PostgreSQL")
	if err := cluster.Stop(ctx); err != nil {
		return false, fmt.Errorf("stop PostgreSQL: %w", err)
	}
	if cluster, err = pglocal.Start(ctx, pgOpts); err != nil {
		return false, fmt.Errorf("restart PostgreSQL: %w", err)
	}
	sleepUntil(ctx, started.Add(cfg.duration*6/10))
	say("killing the hub (SIGKILL) and starting it again")
	h.kill()
	if err := h.start(ctx); err != nil {
		return false, err
	}
	sleepUntil(ctx, started.Add(cfg.duration))
	endStorm()
	load.Wait()
	rssEnd := h.rss()

	db, err = pgx.Connect(ctx, dbURL)
	if err != nil {
		return false, err
	}
	defer db.Close(context.WithoutCancel(ctx))
	rows, err := db.Query(ctx, `SELECT id FROM hub.outbox WHERE id > $1 ORDER BY id`, startID)
	if err != nil {
		return false, err
	}
	committed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return false, err
	}
	maxID := startID
	if len(committed) > 0 {
		maxID = committed[len(committed)-1]
	}
	say("storm over: %d events committed; waiting for subscribers to reach id %d (while any makes progress within %v)", len(committed), maxID, cfg.drain)
	drainStart := time.Now()
	caughtUp := drain(ctx, subs, maxID, cfg.drain)
	drainTook := time.Since(drainStart).Round(time.Second)
	say("subscribers caught up: %v after %v", caughtUp, drainTook)
	for _, s := range subs {
		s.stop()
	}
	wg.Wait()
	ok := report(out, cfg, subs, committed, probes, &st, rssStart, rssEnd)
	fmt.Fprintf(out, "after the storm the subscribers took %v to reach the newest event (all caught up: %v)\n", drainTook, caughtUp)
	return ok, nil
}

type fixtures struct{ station, grid string }

type stats struct {
	mutations, mutationErrors, reads, readErrors, probeErrors atomic.Int64
	firstErr                                                  atomic.Value // string
}

func (st *stats) failed(counter *atomic.Int64, err error) {
	counter.Add(1)
	st.firstErr.CompareAndSwap(nil, err.Error())
}

// drain waits until every subscriber has reached id maxID, for as long as some subscriber
// received an event within stall (a fixed wait cut off subscribers that were still
// catching up, and counted their newest events as lost); it reports whether all did.
func drain(ctx context.Context, subs []*subscriber, maxID int64, stall time.Duration) bool {
	progress := func() (total int64, done bool) {
		done = true
		for _, s := range subs {
			last := s.lastID()
			total += last
			done = done && last >= maxID
		}
		return total, done
	}
	before, done := progress()
	for lastMove := time.Now(); !done && ctx.Err() == nil && time.Since(lastMove) < stall; {
		pause(ctx, 250*time.Millisecond)
		var now int64
		if now, done = progress(); now != before {
			before, lastMove = now, time.Now()
		}
	}
	return done
}

// writer registers NON_POLICE cases and walks each to NON_POLICE (three status events).
func writer(ctx context.Context, c *client, token string, fx fixtures, st *stats) {
	type payload struct {
		M struct {
			E struct {
				ID, Status string
				Version    int
			}
		}
	}
	for ctx.Err() == nil {
		var p payload
		err := c.query(ctx, token, `mutation($in: RegisterCaseInput!) { m: registerCase(input: $in) { e: case { id status version } } }`,
			map[string]any{"in": map[string]any{"stationId": fx.station, "kind": "NON_POLICE", "category": "NEIGHBOUR_DISPUTE",
				"source": "HOTLINE_110", "summary": "soak", "gridId": fx.grid}}, &p)
		st.mutations.Add(1)
		if err != nil {
			st.failed(&st.mutationErrors, err)
			pause(ctx, 200*time.Millisecond)
			continue
		}
		for _, to := range []string{"DISPATCHED", "ON_SCENE", "NON_POLICE"} {
			var q payload
			err := c.query(ctx, token, `mutation($in: AdvanceCaseInput!) { m: advanceCase(input: $in) { e: case { id status version } } }`,
				map[string]any{"in": map[string]any{"caseId": p.M.E.ID, "version": p.M.E.Version, "to": to}}, &q)
			st.mutations.Add(1)
			if err != nil {
				st.failed(&st.mutationErrors, err)
				pause(ctx, 200*time.Millisecond)
				break
			}
			p = q
		}
	}
}

// reader lists cases with their grid and station, back to back.
func reader(ctx context.Context, c *client, token string, st *stats) {
	for ctx.Err() == nil {
		err := c.query(ctx, token, `{ cases(first: 50) { totalCount nodes { caseNo status grid { code } station { name } } } }`, nil, nil)
		st.reads.Add(1)
		if err != nil {
			st.failed(&st.readErrors, err)
			pause(ctx, 200*time.Millisecond)
		}
	}
}

// probe sends a one-row query every 100 ms and returns the latencies of those answered.
func probe(ctx context.Context, c *client, token string, st *stats) []time.Duration {
	var lat []time.Duration
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return lat
		case <-t.C:
		}
		start := time.Now()
		if err := c.query(ctx, token, `{ grids(first: 1) { nodes { code } } }`, nil, nil); err != nil {
			if ctx.Err() == nil {
				st.failed(&st.probeErrors, err)
			}
			continue
		}
		lat = append(lat, time.Since(start))
	}
}

func report(out io.Writer, cfg config, subs []*subscriber, committed []int64, probes []time.Duration, st *stats, rssStart, rssEnd int64) bool {
	fmt.Fprintf(out, "CivicLink soak: %v, %d subscribers, %d writers, %d readers, seed scale %g; PostgreSQL restarted at 40%%, hub killed (SIGKILL) at 60%%\n",
		cfg.duration, len(subs), cfg.writers, cfg.readers, cfg.scale)
	fmt.Fprintf(out, "mutations %d (%d failed), reads %d (%d failed), probe failures %d\n",
		st.mutations.Load(), st.mutationErrors.Load(), st.reads.Load(), st.readErrors.Load(), st.probeErrors.Load())
	if e, ok := st.firstErr.Load().(string); ok {
		fmt.Fprintf(out, "first failure: %.300s\n", e)
	}
	want := map[int64]bool{}
	for _, id := range committed {
		want[id] = true
	}
	equal, dupTotal, reconnects, tooSlow := 0, 0, 0, 0
	fmt.Fprintf(out, "%-12s %10s %10s %10s %10s %10s\n", "subscriber", "committed", "delivered", "missing", "duplicates", "reconnects")
	for _, s := range subs {
		s.mu.Lock()
		var missing []int64
		for _, id := range committed {
			if !s.seen[id] {
				missing = append(missing, id)
			}
		}
		delivered := 0
		for id := range s.seen {
			if want[id] {
				delivered++
			}
		}
		if len(missing) == 0 && delivered == len(committed) {
			equal++
		}
		dupTotal += s.duplicates
		reconnects += s.reconnects
		tooSlow += s.tooSlow
		fmt.Fprintf(out, "sub-%-8d %10d %10d %10d %10d %10d", s.n, len(committed), delivered, len(missing), s.duplicates, s.reconnects)
		if len(missing) > 0 {
			fmt.Fprintf(out, "  missing ids %v", missing[:min(len(missing), 5)])
		}
		fmt.Fprintln(out)
		s.mu.Unlock()
	}
	fmt.Fprintf(out, "subscribers with every committed event: %d of %d (duplicates %d, reconnects %d, SUBSCRIBER_TOO_SLOW resumed %d)\n",
		equal, len(subs), dupTotal, reconnects, tooSlow)
	slices.Sort(probes)
	if len(probes) > 0 {
		p := func(q float64) time.Duration { return probes[min(len(probes)-1, int(q*float64(len(probes))))] }
		fmt.Fprintf(out, "probe query { grids(first: 1) }: %d answered, p50 %v, p99 %v, max %v\n",
			len(probes), p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), probes[len(probes)-1].Round(time.Millisecond))
	}
	fmt.Fprintf(out, "hub RSS: %.1f MiB at the start, %.1f MiB at the end (the process started after the kill)\n",
		float64(rssStart)/(1<<20), float64(rssEnd)/(1<<20))
	return equal == len(subs)
}

// hub is the civiclink process under test.
type hub struct {
	bin, dir, addr string
	env            []string
	mu             sync.Mutex
	cmd            *exec.Cmd
	log            *os.File
}

func (h *hub) url() string   { return "http://" + h.addr + "/graphql" }
func (h *hub) wsURL() string { return "ws://" + h.addr + "/graphql" }

func (h *hub) command(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = append(os.Environ(), h.env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("civiclink %s: %w: %s", strings.Join(args, " "), err, b)
	}
	return nil
}

// start runs `civiclink serve` and waits until it is ready.
func (h *hub) start(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	log, err := os.OpenFile(filepath.Join(h.dir, "hub.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(h.bin, "serve")
	cmd.Env = append(os.Environ(), append(h.env, "CIVICLINK_ADDR="+h.addr)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the hub: %w", err)
	}
	h.cmd, h.log = cmd, log
	ok := waitUntil(ctx, 2*time.Minute, func() bool {
		conn, err := net.DialTimeout("tcp", h.addr, time.Second)
		if err != nil {
			return false
		}
		_ = conn.Close()
		return newClient(h.url()).ready(ctx)
	})
	if !ok {
		return errors.New("the hub did not become ready within 2 minutes (see its log)")
	}
	return nil
}

// kill ends the hub with SIGKILL.
func (h *hub) kill() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd == nil {
		return
	}
	_ = h.cmd.Process.Kill()
	_ = h.cmd.Wait()
	_ = h.log.Close()
	h.cmd = nil
}

// rss is the hub's resident set size in bytes (0 when unknown).
func (h *hub) rss() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd == nil {
		return 0
	}
	now, _, err := hubproc.RSS(h.cmd.Process.Pid)
	if err != nil {
		return 0
	}
	return now
}

func waitUntil(ctx context.Context, limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if cond() {
			return true
		}
		pause(ctx, 250*time.Millisecond)
	}
	return cond()
}

func sleepUntil(ctx context.Context, t time.Time) { pause(ctx, time.Until(t)) }

func pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
