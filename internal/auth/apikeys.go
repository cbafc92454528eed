package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"civiclink/db/store"
	"github.com/jackc/pgx/v5"
)

// APIKey describes a stored key (never the key itself).
type APIKey struct {
	Name      string
	Prefix    string
	Role      string
	Scope     ScopeClaims
	CreatedAt time.Time
	RevokedAt *time.Time
}

// ErrKeyNotFound reports an unknown key name.
var ErrKeyNotFound = errors.New("no API key of that name")

// CreateAPIKey stores a new key bound to role and scope and returns it; only its SHA-256
// hash is kept, so it cannot be shown again.
func CreateAPIKey(ctx context.Context, db store.Querier, name, role string, scope ScopeClaims) (string, error) {
	if !ValidRole(role) {
		return "", fmt.Errorf("unknown role %q (want one of %v)", role, Roles)
	}
	if _, err := resolveScope(WithSystem(ctx), db, scope); err != nil {
		return "", err
	}
	key := newAPIKey()
	scopeJSON, err := json.Marshal(scope)
	if err != nil {
		return "", fmt.Errorf("encode scope: %w", err)
	}
	_, err = db.Exec(WithSystem(ctx), `INSERT INTO hub.api_key (name, prefix, key_hash, role, scope) VALUES ($1, $2, $3, $4, $5)`,
		name, key[:len(apiKeyPrefix)+6], hashKey(key), role, scopeJSON)
	if err != nil {
		return "", fmt.Errorf("store API key: %w", err)
	}
	return key, nil
}

// ListAPIKeys returns every key, newest first.
func ListAPIKeys(ctx context.Context, db store.Querier) ([]APIKey, error) {
	rows, err := db.Query(WithSystem(ctx), `SELECT name, prefix, role, scope, created_at, revoked_at FROM hub.api_key ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) {
		var k APIKey
		var scope []byte
		if err := r.Scan(&k.Name, &k.Prefix, &k.Role, &scope, &k.CreatedAt, &k.RevokedAt); err != nil {
			return k, err
		}
		return k, json.Unmarshal(scope, &k.Scope)
	})
}

// RevokeAPIKey revokes the named keys; a revoked key stops working at once.
func RevokeAPIKey(ctx context.Context, db store.Querier, name string) error {
	tag, err := db.Exec(WithSystem(ctx), `UPDATE hub.api_key SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`, name)
	if err != nil {
		return fmt.Errorf("revoke API key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrKeyNotFound
	}
	return nil
}
