package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/config"
	"civiclink/internal/pii"

	"github.com/jackc/pgx/v5"
)

// devTokenTTL is how long the development tokens printed by the embedded default last.
const devTokenTTL = 30 * 24 * time.Hour

// authenticator builds the request authenticator from configuration; the embedded default
// generates an HS256 secret into its data folder and prints a token for every role.
func (e *environment) authenticator(ctx context.Context) (*auth.Authenticator, error) {
	secret := []byte(e.cfg.JWTSecret)
	if len(secret) == 0 && e.cluster != nil {
		var err error
		if secret, err = e.embeddedSecret(); err != nil {
			return nil, err
		}
	}
	if len(secret) == 0 && e.cfg.JWKS == "" {
		return nil, errors.New("set CIVICLINK_JWT_SECRET or CIVICLINK_JWKS: every request needs credentials")
	}
	if len(secret) > 0 && len(secret) < 32 {
		return nil, errors.New("CIVICLINK_JWT_SECRET must have at least 32 characters")
	}
	a, err := auth.New(ctx, auth.Options{HMACSecret: secret, JWKS: e.cfg.JWKS, Issuer: e.cfg.JWTIssuer, Audience: e.cfg.JWTAudience, DB: e.pool})
	if err != nil {
		return nil, err
	}
	if e.cluster != nil {
		e.printDevTokens(ctx, secret)
	}
	return a, nil
}

func (e *environment) embeddedSecret() ([]byte, error) {
	path := filepath.Join(e.cluster.SecretsDir(), "jwt-secret")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		data = []byte(pii.GenerateHexKey())
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("write generated JWT secret: %w", err)
		}
		return data, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read JWT secret: %w", err)
	}
	return []byte(strings.TrimSpace(string(data))), nil
}

// printDevTokens prints a ready-made development token for each role, scoped to rows of the
// demo data.
func (e *environment) printDevTokens(ctx context.Context, secret []byte) {
	scopes := devScopes(ctx, e.pool)
	fmt.Println("Development tokens (30 days; send as Authorization: Bearer <token>, and X-Civiclink-Purpose to read personal data):")
	for _, role := range auth.Roles {
		token, err := auth.IssueToken(secret, "dev-"+strings.ToLower(role), role, scopes[role], devTokenTTL)
		if err != nil {
			e.logger.Error("issue development token", "role", role, "err", err)
			continue
		}
		fmt.Printf("  %-15s %s\n", role, token)
	}
}

// devScopes are the scopes of the development tokens: the first station and its first
// officer, the first grid, the first committee and its first mediator. README's examples
// rely on them (the POLICE_OFFICER token covers station S01, where the live calls of grids
// C01-01 and C01-02 are).
func devScopes(ctx context.Context, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) map[string]auth.ScopeClaims {
	ctx = auth.WithSystem(ctx)
	var station, badge, grid string
	var committee, mediator int64
	_ = pool.QueryRow(ctx, `SELECT s.code, o.badge_no FROM police.station s JOIN police.officer o ON o.station_id = s.id ORDER BY s.code, o.id LIMIT 1`).Scan(&station, &badge)
	_ = pool.QueryRow(ctx, `SELECT code FROM street.grid ORDER BY code LIMIT 1`).Scan(&grid)
	_ = pool.QueryRow(ctx, `SELECT committee_id, id FROM mediation.mediator ORDER BY committee_id, id LIMIT 1`).Scan(&committee, &mediator)
	return map[string]auth.ScopeClaims{
		auth.PoliceOfficer: {Station: station, Officer: badge},
		auth.GridWorker:    {Grids: nonEmpty(grid)},
		auth.Mediator:      {Committees: []int64{committee}, Mediator: mediator},
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// apikeyCmd runs civiclink apikey create|list|revoke.
func apikeyCmd(ctx context.Context, out io.Writer, args []string) error {
	const about = "create makes a key bound to a role and scope and prints it once; list prints every key;\n" +
		"revoke disables a key by name. Send a key as the X-API-Key header."
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs := newFlags(out, "apikey "+sub, "[flags]", about)
	var name, role, station, officer, grids, communities, committees *string
	var mediator *int64
	switch sub {
	case "create":
		name = fs.String("name", "", "name of the key (required)")
		role = fs.String("role", "", "role the key acts in (required): "+strings.Join(auth.Roles, ", "))
		station = fs.String("station", "", "scope: station code")
		officer = fs.String("officer", "", "scope: officer badge number")
		grids = fs.String("grids", "", "scope: comma-separated grid codes")
		communities = fs.String("communities", "", "scope: comma-separated community codes")
		committees = fs.String("committees", "", "scope: comma-separated committee IDs")
		mediator = fs.Int64("mediator", 0, "scope: mediator ID")
	case "revoke":
		name = fs.String("name", "", "name of the key to revoke (required)")
	case "list":
	default:
		newFlags(out, "apikey", "create|list|revoke [flags]", about).Usage()
		if sub == "" || sub == "-h" || sub == "-help" || sub == "--help" {
			return nil
		}
		return usageError{fmt.Sprintf("unknown apikey command %q (want create, list or revoke)", sub)}
	}
	positional, cfg, err := commandFlags(fs, args, config.Database)
	if err != nil {
		return err
	}
	if err := noArgs(fs, positional); err != nil {
		return err
	}
	var scope auth.ScopeClaims
	switch sub {
	case "create":
		if *name == "" || *role == "" {
			return usageError{"apikey create needs -name and -role"}
		}
		scope = auth.ScopeClaims{Station: *station, Officer: *officer, Grids: splitList(*grids), Communities: splitList(*communities), Mediator: *mediator}
		for _, c := range splitList(*committees) {
			id, err := strconv.ParseInt(c, 10, 64)
			if err != nil {
				return usageError{fmt.Sprintf("-committees: %q is not an ID", c)}
			}
			scope.Committees = append(scope.Committees, id)
		}
	case "revoke":
		if *name == "" {
			return usageError{"apikey revoke needs -name"}
		}
	}
	env, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.close()
	switch sub {
	case "create":
		key, err := auth.CreateAPIKey(ctx, env.pool, *name, *role, scope)
		if err != nil {
			return fmt.Errorf("create API key %q: %w", *name, err)
		}
		fmt.Fprintf(out, "API key %q (%s) created. It is shown only now:\n%s\n", *name, *role, key)
	case "list":
		keys, err := auth.ListAPIKeys(ctx, env.pool)
		if err != nil {
			return fmt.Errorf("list API keys: %w", err)
		}
		return printKeys(out, keys)
	case "revoke":
		if err := auth.RevokeAPIKey(ctx, env.pool, *name); err != nil {
			return fmt.Errorf("revoke API key %q: %w", *name, err)
		}
		fmt.Fprintf(out, "API key %q revoked\n", *name)
	}
	return nil
}

// printKeys prints API keys as an aligned table for people.
func printKeys(out io.Writer, keys []auth.APIKey) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tPREFIX\tSCOPE\tCREATED\tSTATE")
	for _, k := range keys {
		state := "active"
		if k.RevokedAt != nil {
			state = "revoked " + k.RevokedAt.UTC().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\n", k.Name, k.Role, k.Prefix, describeScope(k.Scope), k.CreatedAt.UTC().Format(time.DateTime), state)
	}
	return tw.Flush()
}

// describeScope renders a key's scope as "station=S01 grids=C01-02,C01-03", or "-".
func describeScope(s auth.ScopeClaims) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("station", s.Station)
	add("officer", s.Officer)
	add("grids", strings.Join(s.Grids, ","))
	add("communities", strings.Join(s.Communities, ","))
	var ids []string
	for _, c := range s.Committees {
		ids = append(ids, strconv.FormatInt(c, 10))
	}
	add("committees", strings.Join(ids, ","))
	if s.Mediator != 0 {
		add("mediator", strconv.FormatInt(s.Mediator, 10))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
