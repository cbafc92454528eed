package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"civiclink/db/seed"
)

// config is the parsed command line.
type config struct {
	url         string // existing hub to load; "" = set one up
	token       string // bearer token for -url (an in-process hub makes its own)
	scale       float64
	conns       int
	reuse       bool
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	maxRequests int // per measured run; 0 = no cap
	first       int
	runs        int
	timeout     time.Duration
	jsonOut     bool
	verbose     bool
	cpuProfile  string // write a CPU profile of the measured runs here
	memProfile  string // write an allocation profile after the measured runs here
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./bench/load [flags]  (see bench/README.md)")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.token, "token", os.Getenv("CIVICLINK_TOKEN"), "bearer token for -url (default $CIVICLINK_TOKEN); the in-process hub issues its own STREET_STAFF token")
	fs.StringVar(&cfg.url, "url", "", "GraphQL endpoint of a running hub on a loopback address; empty = start a hub in-process")
	fs.Float64Var(&cfg.scale, "scale", 1, "seed scale of the in-process hub's database (1 = one sub-district)")
	fs.IntVar(&cfg.conns, "conns", 32, "database pool size of the in-process hub")
	fs.BoolVar(&cfg.reuse, "reuse", false, "with DATABASE_URL: drop and recreate an existing civiclink_bench database instead of refusing")
	fs.IntVar(&cfg.concurrency, "c", 16, "concurrent workers (and HTTP connections)")
	fs.DurationVar(&cfg.duration, "d", 20*time.Second, "duration of each measured run")
	fs.DurationVar(&cfg.warmup, "warmup", 3*time.Second, "unmeasured warm-up before the first run (0 = none)")
	fs.IntVar(&cfg.maxRequests, "n", 0, "end a measured run after this many requests (0 = no cap; the run still ends after -d)")
	fs.IntVar(&cfg.first, "first", 100, "the query's first variable: disputes per response")
	fs.IntVar(&cfg.runs, "runs", 1, "measured runs; with more than one the median of the runs is printed too")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "timeout of each HTTP request")
	fs.BoolVar(&cfg.jsonOut, "json", false, "print the report as JSON")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured runs (hub and load generator, one process) to this file")
	fs.StringVar(&cfg.memProfile, "memprofile", "", "write an allocation profile (from process start) to this file after the measured runs")
	fs.BoolVar(&cfg.verbose, "v", false, "log the in-process hub and PostgreSQL setup to stderr (one line per request: slows the hub)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := cfg.validate(); err != nil {
		return config{}, err
	}
	if cfg.url != "" {
		warnIgnored(fs, stderr, "scale", "conns", "reuse")
	}
	return cfg, nil
}

func (c config) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.concurrency >= 1, "-c must be at least 1")
	check(c.duration > 0, "-d must be positive")
	check(c.warmup >= 0, "-warmup must not be negative")
	check(c.maxRequests >= 0, "-n must not be negative")
	check(c.first >= 1, "-first must be at least 1")
	check(c.runs >= 1, "-runs must be at least 1")
	check(c.timeout > 0, "-timeout must be positive")
	check(c.conns >= 1, "-conns must be at least 1")
	check(c.scale >= seed.MinScale && c.scale <= seed.MaxScale, "-scale must be within [%v, %v]", seed.MinScale, seed.MaxScale)
	if c.url != "" {
		if err := checkLoopbackURL(c.url); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkLoopbackURL accepts only http(s) URLs whose host is localhost or a loopback address,
// so the tool cannot be pointed at someone else's server.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("-url %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-url %q: only loopback targets are allowed (127.0.0.0/8, ::1, localhost)", raw)
}

// warnIgnored tells the user about set flags that only matter for the in-process hub.
func warnIgnored(fs *flag.FlagSet, w io.Writer, names ...string) {
	fs.Visit(func(f *flag.Flag) {
		for _, n := range names {
			if f.Name == n {
				fmt.Fprintf(w, "note: -%s is ignored with -url\n", n)
			}
		}
	})
}
