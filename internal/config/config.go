// Package config reads the hub's configuration from environment variables, which flags may
// override. Every setting is listed in Settings, the source of the README's table.
package config

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"civiclink/internal/limits"
	"civiclink/internal/pagesize"
)

// Config is the hub's configuration.
type Config struct {
	DatabaseURL      string
	Addr             string
	DataDir          string
	PGPort           int
	PIIHMACKey       string
	PIIEncKey        string
	AuditKey         string
	AuditHead        string
	SeedScale        float64
	LogLevel         string
	MaxDepth         int
	MaxComplexity    int
	Introspection    bool
	StatementTimeout time.Duration
	MaxConns         int
	MaxFields        int
	MaxTokens        int
	MaxBodyBytes     int64
	RequestTimeout   time.Duration
	PersistedQueries string
	RateLimitIP      float64
	RateLimitKey     float64
	RateLimitBurst   int
	TrustForwarded   bool
	OTLPEndpoint     string
	ShutdownTimeout  time.Duration
	HeaderTimeout    time.Duration
	ReadTimeout      time.Duration
	IdleTimeout      time.Duration
	CredentialCheck  time.Duration
	SubsPerConn      int
	SubsPerCaller    int
	LogFormat        string
	JWTSecret        string
	JWKS             string
	JWTIssuer        string
	JWTAudience      string
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
	{"CIVICLINK_AUDIT_KEY", "audit-key", "", "hex 32-byte key of the access log's HMAC chain (required with DATABASE_URL; the embedded default generates one into its data folder)"},
	{"CIVICLINK_AUDIT_HEAD", "audit-head", "", "file the hub keeps the access log's newest hash in, for audit verify (the embedded default: audit-head in its data folder; the hub also logs every head)"},
	{"CIVICLINK_JWT_SECRET", "jwt-secret", "", "shared secret of HS256 bearer tokens (the embedded default generates one into its data folder)"},
	{"CIVICLINK_JWKS", "jwks", "", "JWKS file path or http(s) URL whose keys verify RS256/ES256 bearer tokens"},
	{"CIVICLINK_JWT_ISSUER", "jwt-issuer", "", "required iss of bearer tokens (empty = any)"},
	{"CIVICLINK_JWT_AUDIENCE", "jwt-audience", "", "required aud of bearer tokens (empty = any)"},
	{"CIVICLINK_SEED_SCALE", "seed-scale", "1", "scale of the demo data the embedded default seeds on first start (0 = none)"},
	{"CIVICLINK_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"CIVICLINK_LOG_FORMAT", "log-format", "text", "log format on stderr: text or json"},
	{"CIVICLINK_MAX_DEPTH", "max-depth", "12", "deepest selection a query may have (QUERY_TOO_COMPLEX, limit depth)"},
	{"CIVICLINK_MAX_FIELDS", "max-fields", "1000", "most fields a query may select, aliases and fragment spreads included (limit fields)"},
	{"CIVICLINK_MAX_TOKENS", "max-tokens", "15000", "most lexical tokens a query document may have, checked before validation (limit tokens)"},
	{"CIVICLINK_MAX_COMPLEXITY", "max-complexity", "150000", "largest cost a query may have: each field 1, lists times first/last (" + strconv.Itoa(pagesize.Default) + " when absent), other lists times " + strconv.Itoa(limits.DefaultListSize) + " (limit complexity)"},
	{"CIVICLINK_MAX_BODY_BYTES", "max-body-bytes", "1048576", "largest request body (413 beyond)"},
	{"CIVICLINK_REQUEST_TIMEOUT", "request-timeout", DefaultRequestTimeout.String(), "deadline of one query or mutation over HTTP, a WebSocket or an event stream (TIMEOUT beyond); a request over its caller's share of database connections waits a third of it before RATE_LIMITED"},
	{"CIVICLINK_INTROSPECTION", "introspection", "true", "serve schema introspection (the playground needs it)"},
	{"CIVICLINK_PERSISTED_QUERIES", "persisted-queries", "auto", "off, auto (automatic persisted queries and any query) or only (only operations registered with civiclink persisted add)"},
	{"CIVICLINK_RATE_LIMIT_IP", "rate-limit-ip", "50", "requests per second from one client IP, per instance (0 = no limit; RATE_LIMITED with Retry-After beyond)"},
	{"CIVICLINK_RATE_LIMIT_KEY", "rate-limit-key", "100", "requests per second with one API key (X-API-Key or Authorization header), per instance (0 = no limit)"},
	{"CIVICLINK_RATE_LIMIT_BURST", "rate-limit-burst", "100", "requests a client may send at once above its rate"},
	{"CIVICLINK_TRUST_FORWARDED", "trust-forwarded", "false", "take the client IP from the last X-Forwarded-For entry (only behind a load balancer that sets it)"},
	{"CIVICLINK_STATEMENT_TIMEOUT", "statement-timeout", "15s", "PostgreSQL statement_timeout for every statement (TIMEOUT beyond)"},
	{"CIVICLINK_MAX_CONNS", "max-conns", "20", "size of the database connection pool"},
	{"CIVICLINK_OTLP_ENDPOINT", "otlp-endpoint", "", "OTLP/HTTP endpoint for OpenTelemetry traces, e.g. http://collector:4318 (empty = no tracing)"},
	{"CIVICLINK_SHUTDOWN_TIMEOUT", "shutdown-timeout", "20s", "how long a shutdown waits for in-flight requests"},
	{"CIVICLINK_READ_HEADER_TIMEOUT", "read-header-timeout", "10s", "how long a client may take to send a request's headers (the connection is closed beyond)"},
	{"CIVICLINK_READ_TIMEOUT", "read-timeout", "30s", "how long a client may take to send a whole request, body included (the connection is closed beyond)"},
	{"CIVICLINK_CREDENTIAL_CHECK", "credential-check", "30s", "how often the credentials of open WebSockets and event streams are checked again; expired or revoked ones end their subscriptions with UNAUTHENTICATED"},
	{"CIVICLINK_MAX_SUBSCRIPTIONS_PER_CONNECTION", "max-subscriptions-per-connection", "50", "most subscriptions one WebSocket may hold (RATE_LIMITED, limit connectionSubscriptions)"},
	{"CIVICLINK_MAX_SUBSCRIPTIONS_PER_CALLER", "max-subscriptions-per-caller", "200", "most subscriptions one caller may hold on one instance (RATE_LIMITED, limit principalSubscriptions)"},
	{"CIVICLINK_IDLE_TIMEOUT", "idle-timeout", "120s", "how long an idle keep-alive connection is kept open"},
}

// Secret settings: their values never appear in help output or logs.
var secret = map[string]bool{
	"DATABASE_URL": true, "CIVICLINK_PII_HMAC_KEY": true, "CIVICLINK_PII_ENC_KEY": true, "CIVICLINK_JWT_SECRET": true,
	"CIVICLINK_AUDIT_KEY": true,
}

// Database lists the settings every command that opens the database takes as flags: where
// the database is, how it is reached, and logging.
var Database = []string{
	"DATABASE_URL", "CIVICLINK_DATA_DIR", "CIVICLINK_PG_PORT", "CIVICLINK_STATEMENT_TIMEOUT",
	"CIVICLINK_MAX_CONNS", "CIVICLINK_LOG_LEVEL", "CIVICLINK_LOG_FORMAT",
}

// Keys lists the identity-number key settings, needed by commands that write personal data.
var Keys = []string{"CIVICLINK_PII_HMAC_KEY", "CIVICLINK_PII_ENC_KEY"}

// Audit lists the access log's settings, needed by audit verify.
var Audit = []string{"CIVICLINK_AUDIT_KEY", "CIVICLINK_AUDIT_HEAD"}

// Load reads the environment, then parses args as flags over it; every setting is a flag.
func Load(name string, args []string) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	build := Bind(fs, nil)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return build()
}

// Bind registers on fs a flag for each setting named in only (every setting when only is
// nil) and returns the function that, once fs is parsed, builds the Config: a flag given on
// the command line wins, then the environment variable, then the default. Settings without
// a flag still take their environment value. Help output shows the documented default,
// never a value from the environment, so secrets are not printed.
func Bind(fs *flag.FlagSet, only []string) func() (*Config, error) {
	wanted := map[string]bool{}
	for _, env := range only {
		wanted[env] = true
	}
	flags := map[string]*string{}
	for _, s := range Settings {
		if only != nil && !wanted[s.Env] {
			continue
		}
		help := s.Help + " (env " + s.Env + ")"
		if secret[s.Env] {
			help = s.Help + " (env " + s.Env + "; secret, never shown)"
		}
		flags[s.Env] = fs.String(s.Flag, s.Default, help)
	}
	return func() (*Config, error) {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		values := map[string]*string{}
		for _, s := range Settings {
			v := s.Default
			if env, ok := os.LookupEnv(s.Env); ok {
				v = env
			}
			if p, ok := flags[s.Env]; ok && given[s.Flag] {
				v = *p
			}
			values[s.Env] = &v
		}
		return build(values)
	}
}

func build(values map[string]*string) (*Config, error) {
	get := func(env string) string { return *values[env] }
	c := &Config{
		DatabaseURL:      get("DATABASE_URL"),
		Addr:             get("CIVICLINK_ADDR"),
		DataDir:          get("CIVICLINK_DATA_DIR"),
		PIIHMACKey:       get("CIVICLINK_PII_HMAC_KEY"),
		PIIEncKey:        get("CIVICLINK_PII_ENC_KEY"),
		AuditKey:         get("CIVICLINK_AUDIT_KEY"),
		AuditHead:        get("CIVICLINK_AUDIT_HEAD"),
		LogLevel:         get("CIVICLINK_LOG_LEVEL"),
		LogFormat:        get("CIVICLINK_LOG_FORMAT"),
		JWTSecret:        get("CIVICLINK_JWT_SECRET"),
		JWKS:             get("CIVICLINK_JWKS"),
		JWTIssuer:        get("CIVICLINK_JWT_ISSUER"),
		JWTAudience:      get("CIVICLINK_JWT_AUDIENCE"),
		OTLPEndpoint:     get("CIVICLINK_OTLP_ENDPOINT"),
		PersistedQueries: get("CIVICLINK_PERSISTED_QUERIES"),
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
	parse("CIVICLINK_MAX_FIELDS", func(s string) (e error) { c.MaxFields, e = strconv.Atoi(s); return })
	parse("CIVICLINK_MAX_TOKENS", func(s string) (e error) { c.MaxTokens, e = strconv.Atoi(s); return })
	parse("CIVICLINK_MAX_BODY_BYTES", func(s string) (e error) { c.MaxBodyBytes, e = strconv.ParseInt(s, 10, 64); return })
	parse("CIVICLINK_REQUEST_TIMEOUT", func(s string) (e error) {
		if c.RequestTimeout, e = time.ParseDuration(s); e == nil && c.RequestTimeout <= 0 {
			e = fmt.Errorf("must be positive, got %s", s)
		}
		return
	})
	parse("CIVICLINK_RATE_LIMIT_IP", func(s string) (e error) { c.RateLimitIP, e = strconv.ParseFloat(s, 64); return })
	parse("CIVICLINK_RATE_LIMIT_KEY", func(s string) (e error) { c.RateLimitKey, e = strconv.ParseFloat(s, 64); return })
	parse("CIVICLINK_RATE_LIMIT_BURST", func(s string) (e error) { c.RateLimitBurst, e = strconv.Atoi(s); return })
	parse("CIVICLINK_TRUST_FORWARDED", func(s string) (e error) { c.TrustForwarded, e = strconv.ParseBool(s); return })
	parse("CIVICLINK_SHUTDOWN_TIMEOUT", func(s string) (e error) { c.ShutdownTimeout, e = time.ParseDuration(s); return })
	parse("CIVICLINK_READ_HEADER_TIMEOUT", func(s string) (e error) { c.HeaderTimeout, e = time.ParseDuration(s); return })
	parse("CIVICLINK_READ_TIMEOUT", func(s string) (e error) { c.ReadTimeout, e = time.ParseDuration(s); return })
	parse("CIVICLINK_CREDENTIAL_CHECK", func(s string) (e error) { c.CredentialCheck, e = time.ParseDuration(s); return })
	parse("CIVICLINK_MAX_SUBSCRIPTIONS_PER_CONNECTION", func(s string) (e error) { c.SubsPerConn, e = strconv.Atoi(s); return })
	parse("CIVICLINK_MAX_SUBSCRIPTIONS_PER_CALLER", func(s string) (e error) { c.SubsPerCaller, e = strconv.Atoi(s); return })
	parse("CIVICLINK_IDLE_TIMEOUT", func(s string) (e error) { c.IdleTimeout, e = time.ParseDuration(s); return })
	parse("CIVICLINK_LOG_FORMAT", func(s string) error {
		if s != "text" && s != "json" {
			return fmt.Errorf("want text or json, got %q", s)
		}
		return nil
	})
	parse("CIVICLINK_PERSISTED_QUERIES", func(s string) error {
		if s != "off" && s != "auto" && s != "only" {
			return fmt.Errorf("want off, auto or only, got %q", s)
		}
		return nil
	})
	for _, v := range []struct {
		env string
		n   float64
	}{{"CIVICLINK_MAX_DEPTH", float64(c.MaxDepth)}, {"CIVICLINK_MAX_FIELDS", float64(c.MaxFields)}, {"CIVICLINK_MAX_TOKENS", float64(c.MaxTokens)}, {"CIVICLINK_MAX_SUBSCRIPTIONS_PER_CONNECTION", float64(c.SubsPerConn)}, {"CIVICLINK_MAX_SUBSCRIPTIONS_PER_CALLER", float64(c.SubsPerCaller)}, {"CIVICLINK_MAX_COMPLEXITY", float64(c.MaxComplexity)}, {"CIVICLINK_MAX_BODY_BYTES", float64(c.MaxBodyBytes)}} {
		if err == nil && v.n < 1 {
			err = fmt.Errorf("%s must be at least 1", v.env)
		}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}
