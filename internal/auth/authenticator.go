package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"civiclink/db/store"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
)

// PurposeHeader carries the purpose a request states for reading personal data.
const PurposeHeader = "X-Civiclink-Purpose"

// APIKeyHeader carries an API key (Authorization: ApiKey <key> works too).
const APIKeyHeader = "X-API-Key"

// Errors of authentication; their messages are safe for clients.
var (
	ErrNoCredentials  = errors.New("credentials required: send Authorization: Bearer <token> or an API key")
	ErrBadCredentials = errors.New("the credentials are invalid, expired or revoked")
)

// Claims are the JWT claims the hub reads.
type Claims struct {
	jwt.RegisteredClaims
	Role  string      `json:"role"`
	Scope ScopeClaims `json:"scope"`
}

// Options configure an Authenticator.
type Options struct {
	// HMACSecret verifies HS256 tokens; empty disables them.
	HMACSecret []byte
	// JWKS is a JWKS file path or an http(s) URL whose keys verify RS256/ES256 tokens.
	JWKS string
	// Issuer and Audience, when set, must match the token's.
	Issuer, Audience string
	// DB resolves scopes and API keys.
	DB store.Querier
}

// Authenticator verifies credentials.
type Authenticator struct {
	opts   Options
	jwks   keyfunc.Keyfunc
	scopes *scopeCache
}

// New returns an authenticator; a JWKS URL is fetched (and refreshed) in the background
// until ctx ends.
func New(ctx context.Context, opts Options) (*Authenticator, error) {
	a := &Authenticator{opts: opts, scopes: &scopeCache{db: opts.DB, hit: map[string]cachedScope{}}}
	switch {
	case opts.JWKS == "":
	case strings.HasPrefix(opts.JWKS, "http://") || strings.HasPrefix(opts.JWKS, "https://"):
		k, err := keyfunc.NewDefaultCtx(ctx, []string{opts.JWKS})
		if err != nil {
			return nil, fmt.Errorf("load JWKS %s: %w", opts.JWKS, err)
		}
		a.jwks = k
	default:
		raw, err := os.ReadFile(opts.JWKS)
		if err != nil {
			return nil, fmt.Errorf("read JWKS file: %w", err)
		}
		k, err := keyfunc.NewJWKSetJSON(json.RawMessage(raw))
		if err != nil {
			return nil, fmt.Errorf("parse JWKS file %s: %w", opts.JWKS, err)
		}
		a.jwks = k
	}
	return a, nil
}

// Authenticate returns the principal behind the request's credentials.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	header := r.Header.Get("Authorization")
	key := r.Header.Get(APIKeyHeader)
	scheme, value, _ := strings.Cut(header, " ")
	var p Principal
	var err error
	switch {
	case strings.EqualFold(scheme, "Bearer") && value != "":
		p, err = a.fromJWT(r.Context(), strings.TrimSpace(value))
	case strings.EqualFold(scheme, "ApiKey") && value != "":
		p, err = a.fromAPIKey(r.Context(), strings.TrimSpace(value))
	case key != "":
		p, err = a.fromAPIKey(r.Context(), key)
	default:
		return Anonymous, ErrNoCredentials
	}
	if err != nil {
		return Anonymous, err
	}
	// The purpose is kept as stated (several headers joined), to be parsed, and refused when
	// it names no record, before the operation runs; a blank header still counts as stated.
	if vals, ok := r.Header[PurposeHeader]; ok {
		purpose := strings.Join(vals, ",")
		if utf8.RuneCountInString(purpose) > 200 {
			purpose = string([]rune(purpose)[:200])
		}
		p.Purpose, p.PurposeStated = purpose, true
	}
	return p, nil
}

// AuthenticateToken verifies a bearer token or API key given outside HTTP headers (the
// connection_init payload of a WebSocket).
func (a *Authenticator) AuthenticateToken(ctx context.Context, authorization, purpose string) (Principal, error) {
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	r.Header.Set("Authorization", authorization)
	if purpose != "" {
		r.Header.Set(PurposeHeader, purpose)
	}
	return a.Authenticate(r)
}

func (a *Authenticator) fromJWT(ctx context.Context, token string) (Principal, error) {
	var claims Claims
	parserOpts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256", "RS256", "ES256"}), jwt.WithExpirationRequired(), jwt.WithLeeway(30 * time.Second)}
	if a.opts.Issuer != "" {
		parserOpts = append(parserOpts, jwt.WithIssuer(a.opts.Issuer))
	}
	if a.opts.Audience != "" {
		parserOpts = append(parserOpts, jwt.WithAudience(a.opts.Audience))
	}
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		switch t.Method.Alg() {
		case "HS256":
			if len(a.opts.HMACSecret) == 0 {
				return nil, errors.New("HS256 tokens are not accepted")
			}
			return a.opts.HMACSecret, nil
		default:
			if a.jwks == nil {
				return nil, errors.New("no JWKS configured")
			}
			return a.jwks.Keyfunc(t)
		}
	}, parserOpts...)
	if err != nil || claims.Subject == "" || !ValidRole(claims.Role) {
		return Anonymous, ErrBadCredentials
	}
	scope, err := a.scopes.resolve(ctx, claims.Scope)
	if err != nil {
		if errors.Is(err, ErrUnknownScope) {
			return Anonymous, ErrBadCredentials
		}
		return Anonymous, err
	}
	return Principal{Subject: claims.Subject, Role: claims.Role, Scope: scope}, nil
}

// apiKeyPrefix starts every API key, so a leaked one is easy to recognise.
const apiKeyPrefix = "clk_"

func hashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

func (a *Authenticator) fromAPIKey(ctx context.Context, key string) (Principal, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) || len(key) > 200 {
		return Anonymous, ErrBadCredentials
	}
	var name, role string
	var scopeJSON []byte
	err := a.opts.DB.QueryRow(WithSystem(ctx), `SELECT name, role, scope FROM hub.api_key WHERE key_hash = $1 AND revoked_at IS NULL`,
		hashKey(key)).Scan(&name, &role, &scopeJSON)
	if errors.Is(err, pgx.ErrNoRows) {
		return Anonymous, ErrBadCredentials
	}
	if err != nil {
		return Anonymous, fmt.Errorf("look up API key: %w", err)
	}
	var claims ScopeClaims
	if err := json.Unmarshal(scopeJSON, &claims); err != nil {
		return Anonymous, fmt.Errorf("API key scope: %w", err)
	}
	scope, err := a.scopes.resolve(ctx, claims)
	if err != nil {
		return Anonymous, err
	}
	return Principal{Subject: "apikey:" + name, Role: role, Scope: scope}, nil
}

// IssueToken signs an HS256 token for a subject, role and scope, valid for ttl; the
// embedded default prints one per role for development.
func IssueToken(secret []byte, subject, role string, scope ScopeClaims, ttl time.Duration) (string, error) {
	now := time.Now()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: subject, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl))},
		Role:             role, Scope: scope,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// newAPIKey returns a fresh random API key.
func newAPIKey() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return apiKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}
