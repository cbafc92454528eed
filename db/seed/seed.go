// Package seed loads deterministic, realistic demo data into an empty, migrated CivicLink
// database.
//
// Scale 1 is one sub-district (street) over the five years ending 2026-10-31: 12 communities,
// 120 grids, 80,000 persons, 2 police stations with 150 officers, 60,000 cases, 12,000
// disputes, 20,000 grid events, 3,000 risk items, 4,000 benefit grants and 40 survey rounds.
// Scale 10 is a district. Every generator draws from its own fixed PCG stream and times come
// from the fixed reference period, never from the wall clock, so the same scale always
// yields the same rows. The one exception is the AES-GCM ciphertext of identity numbers,
// whose nonces are random.
//
// All rows are generated in memory and loaded with COPY inside a single transaction; primary
// keys are assigned by the seeder (1, 2, … per table) and every identity sequence is moved
// past the largest id afterwards.
package seed

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"civiclink/internal/pii"
)

// Options configure a seeding run.
type Options struct {
	// Scale sizes the data: 1 is one sub-district over five years, 10 a district. Fractions
	// are allowed down to MinScale; small scales keep sensible minimums (at least two
	// communities and two stations, several grids per community, rows in every table).
	Scale float64
	// Keys protects identity numbers: each is stored as an HMAC and an AES-GCM ciphertext.
	Keys *pii.Keys
	// Progress, when set, is called after each table is loaded with its name and row count.
	Progress func(table string, rows int)
}

// Stats reports what a seeding run loaded.
type Stats struct {
	// Rows maps each loaded table ("street.person", "police.case", …) to its row count.
	Rows map[string]int
	// Tables lists the loaded tables in load order.
	Tables []string
	// Generate is the time spent generating rows in memory.
	Generate time.Duration
	// Load is the time spent copying rows into the database and committing. Loading the
	// street tables overlaps with generating the rest, so Generate+Load exceeds Elapsed.
	Load time.Duration
	// Elapsed is the wall-clock time of the whole run.
	Elapsed time.Duration
}

// Total returns the number of rows loaded over all tables.
func (s Stats) Total() int {
	n := 0
	for _, t := range s.Tables {
		n += s.Rows[t]
	}
	return n
}

// MinScale and MaxScale bound Options.Scale.
const (
	MinScale = 0.01
	MaxScale = 100
)

// ErrAlreadySeeded is returned when the database already holds data.
var ErrAlreadySeeded = errors.New("seed: database already holds data (street.community is not empty)")

// Run loads deterministic demo data into an empty, migrated database with COPY, in one transaction.
func Run(ctx context.Context, pool *pgxpool.Pool, opts Options) (Stats, error) {
	if opts.Keys == nil {
		return Stats{}, errors.New("seed: Options.Keys is required")
	}
	if !(opts.Scale >= MinScale && opts.Scale <= MaxScale) {
		return Stats{}, fmt.Errorf("seed: scale %v out of range [%v, %v]", opts.Scale, MinScale, MaxScale)
	}
	stats := Stats{Rows: map[string]int{}}

	tx, err := pool.Begin(ctx)
	if err != nil {
		return stats, fmt.Errorf("seed: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	// Serialise concurrent seeders and refuse a database that already holds data.
	if _, err := tx.Exec(ctx, `LOCK TABLE street.community IN EXCLUSIVE MODE`); err != nil {
		return stats, fmt.Errorf("seed: lock: %w", err)
	}
	var seeded bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM street.community)`).Scan(&seeded); err != nil {
		return stats, fmt.Errorf("seed: check empty: %w", err)
	}
	if seeded {
		return stats, ErrAlreadySeeded
	}
	// Seeding's own transaction runs without the pool's statement_timeout (15 s by
	// default), which one COPY of a large scale exceeds (street.person at scale 10).
	if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off; SET LOCAL statement_timeout = 0`); err != nil {
		return stats, fmt.Errorf("seed: %w", err)
	}

	// Generate the street tables, then generate everything else while they are loading.
	begin := time.Now() // timing only; no data depends on the wall clock
	w := newWorld(opts.Scale, opts.Keys)
	w.genStreet()
	stats.Generate = time.Since(begin)
	var restGen time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		t0 := time.Now()
		w.genRest()
		restGen = time.Since(t0)
	}()

	l := &loader{tx: tx, stats: &stats, progress: opts.Progress}
	if err := l.touchTriggers(ctx, false); err != nil {
		return stats, err
	}
	t0 := time.Now()
	err = w.loadStreet(ctx, l)
	stats.Load = time.Since(t0)
	<-done
	stats.Generate += restGen
	if err != nil {
		return stats, err
	}
	t0 = time.Now()
	if err := w.load(ctx, l); err != nil {
		return stats, err
	}
	if err := l.resetSequences(ctx); err != nil {
		return stats, err
	}
	// What the practices derive from the history, and the past redraw (which writes through
	// the identity sequences, so it runs after they are reset); then the live records.
	if err := w.loadPractices(ctx, l); err != nil {
		return stats, err
	}
	if err := l.loadLive(ctx); err != nil {
		return stats, err
	}
	if err := l.deriveTouches(ctx); err != nil {
		return stats, err
	}
	if err := tx.Commit(ctx); err != nil {
		return stats, fmt.Errorf("seed: commit: %w", err)
	}
	stats.Load += time.Since(t0)
	stats.Elapsed = time.Since(begin)
	return stats, nil
}

// load copies every table after the street base tables, in foreign-key order.
func (w *world) load(ctx context.Context, l *loader) error {
	for _, step := range []func(context.Context, *loader) error{
		w.loadPolice,
		w.loadMediationBase,
		w.loadGridEvents,
		w.loadDisputes,
		w.linkConvertedEvents,
		w.loadWelfare,
		w.loadRisk,
	} {
		if err := step(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// sizes are the row counts the generators aim for at a given scale.
type sizes struct {
	communities, gridsPerCommunity int
	persons, companies, estates    int
	stations, officers             int
	cases, disputes, events        int
	programs, grants               int
	assessments, riskItems         int
}

func sizesFor(s float64) sizes {
	n := func(base float64, minimum int) int {
		return max(int(math.Round(base*s)), minimum)
	}
	var z sizes
	z.communities = n(12, 2)
	z.gridsPerCommunity = min(max(int(math.Round(10*s)), 3), 10)
	grids := z.communities * z.gridsPerCommunity
	z.persons = n(80000, grids*60)
	z.companies = n(40, 4)
	z.estates = n(400, grids)
	z.stations = min(n(2, 2), z.communities)
	z.officers = n(150, z.stations*10)
	z.cases = n(60000, 200)
	z.disputes = n(12000, 60)
	z.events = n(20000, 100)
	z.programs = n(30, 8)
	z.grants = n(4000, 30)
	z.assessments = n(200, 6)
	z.riskItems = n(3000, 40)
	return z
}

// world holds every generated entity; ids are assigned before loading.
type world struct {
	keys  *pii.Keys
	sz    sizes
	tz    *time.Location
	start time.Time // first instant of the reference period
	end   time.Time // first instant after it (2026-11-01 00:00 +08)
	today time.Time // last day of the period, as a date
	txt   *texts
	hours hourWeights

	// street
	communities []*community
	grids       []*grid
	persons     []*person
	workers     []*gridWorker
	companies   []*company
	estates     []*estate
	memberships []*membership
	events      []*gridEvent
	streetName  string

	// police
	stations     []*station
	officers     []*officer
	officerGrids []*officerGrid
	cases        []*policeCase
	caseParties  []*caseParty

	// mediation
	committees       []*committee
	mediators        []*mediator
	disputes         []*dispute
	disputeParties   []*disputeParty
	disputeMediators []*disputeMediator
	sessions         []*session
	agreements       []*agreement
	followUps        []*followUp

	// welfare
	programs  []*program
	grants    []*grant
	surveys   []*survey
	responses []*surveyResponse

	// risk
	assessments []*assessment
	items       []*riskItem
	measures    []*measure
	links       []*riskLink
}

func newWorld(scale float64, keys *pii.Keys) *world {
	tz := seedZone
	return &world{
		keys:  keys,
		sz:    sizesFor(scale),
		tz:    tz,
		start: time.Date(2021, 11, 1, 0, 0, 0, 0, tz),
		end:   ReferenceTime,
		today: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC),
		txt:   newTexts(),
		hours: parseHourWeights(),
	}
}

// genStreet generates the street base tables (everything loadStreet copies). genRest only
// reads what it produced, or writes fields loadStreet does not read, so the two can run
// concurrently.
func (w *world) genStreet() {
	w.genCommunities()
	w.genCompaniesAndEstates()
	w.genPersons()
	w.genGridWorkers()
	w.genAlliance()
}

// genRest generates the police, mediation, welfare and risk data and the grid events.
func (w *world) genRest() {
	w.genStations()
	w.genOfficers()
	w.genCases()
	w.genCommittees()
	w.genDisputes()
	w.genGridEvents()
	w.genDisputeDetails()
	w.genWelfare()
	w.genRisk()
}

// ---- randomness ----

// seedBase is the fixed first half of every PCG seed; the second half names the stream.
const seedBase = 0x63697669636c696e // "civiclin"

// rng returns the deterministic random stream of one generator.
func (w *world) rng(stream string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return rand.New(rand.NewPCG(seedBase, h.Sum64()))
}

// between returns an integer in [lo, hi].
func between(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// dur returns a duration in [lo, hi).
func dur(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weights is a weighted choice among string values, parsed from "A:3 B:5".
type weights struct {
	vals []string
	cum  []float64
}

func parseWeights(spec string) weights {
	var w weights
	total := 0.0
	for _, f := range strings.Fields(spec) {
		name, num, ok := strings.Cut(f, ":")
		if !ok {
			panic("seed: bad weight spec " + f)
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			panic("seed: bad weight spec " + f)
		}
		total += v
		w.vals = append(w.vals, name)
		w.cum = append(w.cum, total)
	}
	return w
}

func (w weights) pick(r *rand.Rand) string {
	x := r.Float64() * w.cum[len(w.cum)-1]
	for i, c := range w.cum {
		if x < c {
			return w.vals[i]
		}
	}
	return w.vals[len(w.vals)-1]
}

// ---- time ----

const day = 24 * time.Hour

// hourWeight is the relative frequency of each hour of the day for incidents.
const hourWeight = "2 1 1 1 1 2 3 5 7 8 8 8 8 7 7 8 8 8 9 9 8 6 4 3"

// moment returns a random instant in [from, to) at a realistic hour of the day (local time).
func (w *world) moment(r *rand.Rand, from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	hw := w.hours
	days := int(to.Sub(from)/day) + 1
	base := time.Date(from.In(w.tz).Year(), from.In(w.tz).Month(), from.In(w.tz).Day(), 0, 0, 0, 0, w.tz)
	for range 20 {
		h := hw.pickHour(r)
		t := base.AddDate(0, 0, r.IntN(days)).Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		if !t.Before(from) && t.Before(to) {
			return t
		}
	}
	return from.Add(dur(r, 0, to.Sub(from)))
}

type hourWeights [24]float64

func parseHourWeights() hourWeights {
	var hw hourWeights
	total := 0.0
	for i, f := range strings.Fields(hourWeight) {
		v, _ := strconv.ParseFloat(f, 64)
		total += v
		hw[i] = total
	}
	return hw
}

func (hw hourWeights) pickHour(r *rand.Rand) int {
	x := r.Float64() * hw[23]
	for i, c := range hw {
		if x < c {
			return i
		}
	}
	return 23
}

// workTime returns an instant in [a, b], moved into office hours (09:00–19:00 local) on the
// same day when that keeps it inside the interval.
func (w *world) workTime(r *rand.Rand, a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	t := a.Add(dur(r, 0, b.Sub(a)))
	lt := t.In(w.tz)
	moved := time.Date(lt.Year(), lt.Month(), lt.Day(), between(r, 9, 18), r.IntN(60), 0, 0, w.tz)
	if !moved.Before(a) && !moved.After(b) {
		return moved
	}
	return t
}

// date returns the local calendar day of t as a UTC-midnight time (for date columns).
func (w *world) date(t time.Time) time.Time {
	lt := t.In(w.tz)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
}

// localYear is the year of t in local time (used in human-facing numbers).
func (w *world) localYear(t time.Time) int { return t.In(w.tz).Year() }

// ageAt returns the age in whole years on the day of t of someone born on birth.
func (w *world) ageAt(birth, t time.Time) int {
	d := w.date(t)
	age := d.Year() - birth.Year()
	if d.Month() < birth.Month() || (d.Month() == birth.Month() && d.Day() < birth.Day()) {
		age--
	}
	return age
}

// ---- workflows ----

// step is one status an entity entered, with when, by whom and why.
type step struct {
	status string
	at     time.Time
	actor  string
	reason string
}

// path builds the planned status history of an entity, later cut at the end of the period.
type path struct {
	steps []step
}

func (p *path) add(status string, at time.Time, actor string) {
	p.steps = append(p.steps, step{status: status, at: at, actor: actor})
}

// then adds a status d after the previous one.
func (p *path) then(status string, d time.Duration, actor string) {
	p.add(status, p.last().at.Add(d), actor)
}

func (p *path) last() step { return p.steps[len(p.steps)-1] }

// has reports whether the path passes through status.
func (p *path) has(status string) bool {
	_, ok := p.when(status)
	return ok
}

// when returns the time the path first entered status.
func (p *path) when(status string) (time.Time, bool) {
	for _, s := range p.steps {
		if s.status == status {
			return s.at, true
		}
	}
	return time.Time{}, false
}

// cut drops every step at or after end (the first step is always kept).
func (p *path) cut(end time.Time) {
	for i := 1; i < len(p.steps); i++ {
		if !p.steps[i].at.Before(end) {
			p.steps = p.steps[:i]
			return
		}
	}
}

// status is the current status: the last step taken.
func (p *path) status() string { return p.last().status }

// closedAt returns the time of the last step when the current status is final, else nil.
func (p *path) closedAt(final map[string]bool) any {
	if final[p.status()] {
		return p.last().at
	}
	return nil
}

// finalSet builds a set of final statuses.
func finalSet(statuses ...string) map[string]bool {
	m := make(map[string]bool, len(statuses))
	for _, s := range statuses {
		m[s] = true
	}
	return m
}

// Final statuses: closed_at is set exactly when an entity is in one of these.
const (
	caseFinal    = "CLOSED DECIDED TERMINATED TRANSFERRED REFERRED"
	disputeFinal = "DECLINED WITHDRAWN FAILED PERFORMED ARCHIVED LITIGATION"
	eventFinal   = "CLOSED CANCELLED CONVERTED"
)

func finals(spec string) map[string]bool { return finalSet(strings.Fields(spec)...) }

// ---- nullable helpers ----

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
