package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"civiclink/db/store"
	"github.com/jackc/pgx/v5"
)

// ScopeClaims is the scope a credential names, in the agencies' own codes: a station code
// (S01), an officer's badge number, grid codes (C01-03), community codes (C01), and the
// numeric IDs of committees and of a mediator.
type ScopeClaims struct {
	Station     string   `json:"station,omitempty"`
	Officer     string   `json:"officer,omitempty"`
	Grids       []string `json:"grids,omitempty"`
	Communities []string `json:"communities,omitempty"`
	Committees  []int64  `json:"committees,omitempty"`
	Mediator    int64    `json:"mediator,omitempty"`
}

// ErrUnknownScope reports a scope naming a station, grid or officer that does not exist.
var ErrUnknownScope = errors.New("the credential's scope names records that do not exist")

// scopeCache resolves scope claims to IDs, remembering answers for a minute so that a
// request does not pay a statement for its credential.
type scopeCache struct {
	db  store.Querier
	mu  sync.Mutex
	hit map[string]cachedScope
}

type cachedScope struct {
	scope Scope
	until time.Time
}

func (c *scopeCache) resolve(ctx context.Context, claims ScopeClaims) (Scope, error) {
	key := fmt.Sprintf("%+v", claims)
	c.mu.Lock()
	if s, ok := c.hit[key]; ok && time.Now().Before(s.until) {
		c.mu.Unlock()
		return s.scope, nil
	}
	c.mu.Unlock()
	s, err := resolveScope(WithSystem(ctx), c.db, claims)
	if err != nil {
		return Scope{}, err
	}
	c.mu.Lock()
	c.hit[key] = cachedScope{scope: s, until: time.Now().Add(time.Minute)}
	c.mu.Unlock()
	return s, nil
}

func resolveScope(ctx context.Context, db store.Querier, claims ScopeClaims) (Scope, error) {
	var s Scope
	lookup := func(sql, code string) (*int64, error) {
		if code == "" {
			return nil, nil
		}
		var id int64
		err := db.QueryRow(ctx, sql, code).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("%w: %q", ErrUnknownScope, code)
		}
		if err != nil {
			return nil, fmt.Errorf("resolve scope: %w", err)
		}
		return &id, nil
	}
	ids := func(sql string, codes []string) ([]int64, error) {
		if len(codes) == 0 {
			return nil, nil
		}
		var out []int64
		if err := db.QueryRow(ctx, sql, codes).Scan(&out); err != nil {
			return nil, fmt.Errorf("resolve scope: %w", err)
		}
		if len(out) != len(codes) {
			return nil, fmt.Errorf("%w: %v", ErrUnknownScope, codes)
		}
		return out, nil
	}
	var err error
	if s.StationID, err = lookup("SELECT id FROM police.station WHERE code = $1", claims.Station); err != nil {
		return s, err
	}
	if s.OfficerID, err = lookup("SELECT id FROM police.officer WHERE badge_no = $1", claims.Officer); err != nil {
		return s, err
	}
	if s.GridIDs, err = ids("SELECT coalesce(array_agg(id), '{}') FROM street.grid WHERE code = ANY($1)", claims.Grids); err != nil {
		return s, err
	}
	if s.CommunityIDs, err = ids("SELECT coalesce(array_agg(id), '{}') FROM street.community WHERE code = ANY($1)", claims.Communities); err != nil {
		return s, err
	}
	s.CommitteeIDs = claims.Committees
	if claims.Mediator != 0 {
		s.MediatorID = &claims.Mediator
	}
	return s, nil
}
