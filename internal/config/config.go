// Package config reads the hub's configuration from environment variables, which flags may
// override. Every setting is listed in Settings, the source of the README's table.
package config

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config is the hub's configuration.
type Config struct {
	DatabaseURL      string
	Addr             string
	DataDir          string
	PGPort           int
	PIIHMACKey       string
	PIIEncKey        string
	SeedScale        float64
	LogLevel         string
	MaxDepth         int
	MaxComplexity    int
	Introspection    bool
	StatementTimeout time.Duration
	MaxConns         int
}

// Setting documents one configuration variable.
type Setting struct {
	Env, Flag, Default, Help string
}

// Settings lists every variable with its flag, default and meaning.
var Settings = []Setting{
	{"DATABASE_URL", "database-url", "", "PostgreSQL URL; when empty, a private local cluster is started in the data folder"},
	{"CIVICLINK_ADDR", "addr", "localhost:8080", "address the HTTP server listens on"},
	{"CIVICLINK_DATA_DIR", "data-dir", ".civiclink", "folder of the embedded cluster and its generated keys (used without DATABASE_URL)"},
	{"CIVICLINK_PG_PORT", "pg-port", "54329", "port of the embedded cluster"},
	{"CIVICLINK_PII_HMAC_KEY", "pii-hmac-key", "", "hex 32-byte key for identity-number HMACs (required with DATABASE_URL)"},
	{"CIVICLINK_PII_ENC_KEY", "pii-enc-key", "", "hex 32-byte AES-256 key for identity-number ciphertexts (required with DATABASE_URL)"},
	{"CIVICLINK_SEED_SCALE", "seed-scale", "1", "scale of the demo data the embedded default seeds on first start (0 = none)"},
	{"CIVICLINK_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"CIVICLINK_MAX_DEPTH", "max-depth", "12", "deepest selection a query may have"},
	{"CIVICLINK_MAX_COMPLEXITY", "max-complexity", "20000", "largest complexity score a query may have"},
	{"CIVICLINK_INTROSPECTION", "introspection", "true", "serve schema introspection (the playground needs it)"},
	{"CIVICLINK_STATEMENT_TIMEOUT", "statement-timeout", "15s", "PostgreSQL statement_timeout for every statement"},
	{"CIVICLINK_MAX_CONNS", "max-conns", "20", "size of the database connection pool"},
}

// Load reads the environment, then parses args as flags over it.
func Load(name string, args []string) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	values := map[string]*string{}
	for _, s := range Settings {
		v := s.Default
		if env, ok := os.LookupEnv(s.Env); ok {
			v = env
		}
		values[s.Env] = fs.String(s.Flag, v, s.Help+" (env "+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	get := func(env string) string { return *values[env] }
	c := &Config{
		DatabaseURL: get("DATABASE_URL"),
		Addr:        get("CIVICLINK_ADDR"),
		DataDir:     get("CIVICLINK_DATA_DIR"),
		PIIHMACKey:  get("CIVICLINK_PII_HMAC_KEY"),
		PIIEncKey:   get("CIVICLINK_PII_ENC_KEY"),
		LogLevel:    get("CIVICLINK_LOG_LEVEL"),
	}
	var err error
	parse := func(env string, f func(string) error) {
		if err != nil {
			return
		}
		if e := f(get(env)); e != nil {
			err = fmt.Errorf("%s: %w", env, e)
		}
	}
	parse("CIVICLINK_PG_PORT", func(s string) (e error) { c.PGPort, e = strconv.Atoi(s); return })
	parse("CIVICLINK_SEED_SCALE", func(s string) (e error) { c.SeedScale, e = strconv.ParseFloat(s, 64); return })
	parse("CIVICLINK_MAX_DEPTH", func(s string) (e error) { c.MaxDepth, e = strconv.Atoi(s); return })
	parse("CIVICLINK_MAX_COMPLEXITY", func(s string) (e error) { c.MaxComplexity, e = strconv.Atoi(s); return })
	parse("CIVICLINK_INTROSPECTION", func(s string) (e error) { c.Introspection, e = strconv.ParseBool(s); return })
	parse("CIVICLINK_STATEMENT_TIMEOUT", func(s string) (e error) { c.StatementTimeout, e = time.ParseDuration(s); return })
	parse("CIVICLINK_MAX_CONNS", func(s string) (e error) { c.MaxConns, e = strconv.Atoi(s); return })
	if err != nil {
		return nil, err
	}
	return c, nil
}
