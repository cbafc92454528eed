// Package persisted serves persisted queries: Apollo-style automatic persisted queries (the
// client sends the SHA-256 of its query in extensions.persistedQuery and the text only when
// the hub does not know it yet), and a registered list of operations, kept in
// hub.persisted_query and filled by `civiclink persisted add`, which in mode "only" is all
// the hub will execute, so a deployed front end cannot be made to run arbitrary queries.
package persisted

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"civiclink/internal/apierr"

	"civiclink/internal/dbpool"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/jackc/pgx/v5"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Mode says which operations the hub accepts.
type Mode string

// Modes.
const (
	// Off: every request carries its query; extensions.persistedQuery is refused.
	Off Mode = "off"
	// Auto: any query, and automatic persisted queries by hash (registered operations are
	// found by hash too). The default.
	Auto Mode = "auto"
	// Only: only registered operations, by hash or by their exact text.
	Only Mode = "only"
)

// NotSupported is the extensions.code of a persisted query sent to a hub in mode off.
const NotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"

// Hash returns the lower-case hex SHA-256 of query, the id clients send.
func Hash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Operation is one registered operation.
type Operation struct {
	Hash  string
	Name  string
	Query string
}

// Store reads and writes the registered operations. Found operations are cached in memory:
// a hash always names the same text.
type Store struct {
	pool  dbpool.DB
	cache sync.Map // hash → query
}

// NewStore returns a store over pool.
func NewStore(pool dbpool.DB) *Store { return &Store{pool: pool} }

// Lookup returns the registered query with hash.
func (s *Store) Lookup(ctx context.Context, hash string) (string, bool, error) {
	if q, ok := s.cache.Load(hash); ok {
		return q.(string), true, nil
	}
	var q string
	err := s.pool.QueryRow(ctx, "SELECT query FROM hub.persisted_query WHERE hash = $1", hash).Scan(&q)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("look up persisted query %s: %w", hash, err)
	}
	s.cache.Store(hash, q)
	return q, true, nil
}

// Add registers ops in one transaction; operations already registered are left alone. It
// returns how many were new.
func (s *Store) Add(ctx context.Context, source string, ops []Operation) (int, error) {
	added := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, op := range ops {
			if op.Hash != Hash(op.Query) {
				return fmt.Errorf("operation %q: hash %s is not the SHA-256 of its text", op.Name, op.Hash)
			}
			tag, err := tx.Exec(ctx, `INSERT INTO hub.persisted_query (hash, name, query, source)
				VALUES ($1, NULLIF($2, ''), $3, NULLIF($4, '')) ON CONFLICT (hash) DO NOTHING`, op.Hash, op.Name, op.Query, source)
			if err != nil {
				return fmt.Errorf("register operation %q: %w", op.Name, err)
			}
			added += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// List returns every registered operation, by name then hash.
func (s *Store) List(ctx context.Context) ([]Operation, error) {
	rows, err := s.pool.Query(ctx, "SELECT hash, coalesce(name, ''), query FROM hub.persisted_query ORDER BY name, hash")
	if err != nil {
		return nil, fmt.Errorf("list persisted queries: %w", err)
	}
	ops, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Operation, error) {
		var op Operation
		err := row.Scan(&op.Hash, &op.Name, &op.Query)
		return op, err
	})
	if err != nil {
		return nil, fmt.Errorf("list persisted queries: %w", err)
	}
	return ops, nil
}

var operationName = regexp.MustCompile(`(?m)^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)`)

// ParseFile reads the operations of one file: a .graphql or .gql file is one document,
// registered with the hash of its exact text; a .json file is an Apollo persisted-query
// manifest ({"operations": [{"id", "name", "body"}]}) or a map from hash to text.
func ParseFile(path string) ([]Operation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".graphql", ".gql":
		q := string(data)
		if strings.TrimSpace(q) == "" {
			return nil, fmt.Errorf("%s is empty", path)
		}
		name := ""
		if m := operationName.FindStringSubmatch(q); m != nil {
			name = m[1]
		}
		return []Operation{{Hash: Hash(q), Name: name, Query: q}}, nil
	case ".json":
		var manifest struct {
			Operations []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
				Body string `json:"body"`
			} `json:"operations"`
		}
		if err := json.Unmarshal(data, &manifest); err == nil && manifest.Operations != nil {
			ops := make([]Operation, 0, len(manifest.Operations))
			for _, o := range manifest.Operations {
				ops = append(ops, Operation{Hash: o.ID, Name: o.Name, Query: o.Body})
			}
			return ops, nil
		}
		var byHash map[string]string
		if err := json.Unmarshal(data, &byHash); err != nil {
			return nil, fmt.Errorf("%s: want an Apollo manifest or a map from hash to query: %w", path, err)
		}
		ops := make([]Operation, 0, len(byHash))
		for h, q := range byHash {
			name := ""
			if m := operationName.FindStringSubmatch(q); m != nil {
				name = m[1]
			}
			ops = append(ops, Operation{Hash: h, Name: name, Query: q})
		}
		return ops, nil
	default:
		return nil, fmt.Errorf("%s: want a .graphql, .gql or .json file", path)
	}
}

// Extension is the gqlgen extension that resolves persisted queries and, in mode Only,
// refuses every operation that is not registered.
type Extension struct {
	mode   Mode
	store  *Store
	apq    *lru.LRU[string]
	logger *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*Extension)(nil)

// NewExtension returns the extension for mode; apqSize is how many automatic persisted
// queries each instance remembers; lookup failures are logged to logger.
func NewExtension(mode Mode, store *Store, apqSize int, logger *slog.Logger) *Extension {
	return &Extension{mode: mode, store: store, apq: lru.New[string](apqSize), logger: logger}
}

// ExtensionName implements graphql.HandlerExtension.
func (*Extension) ExtensionName() string { return "PersistedQueries" }

// Validate implements graphql.HandlerExtension.
func (e *Extension) Validate(graphql.ExecutableSchema) error {
	if e.mode != Off && e.store == nil {
		return errors.New("persisted queries need a store")
	}
	return nil
}

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (e *Extension) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	pq, present := raw.Extensions["persistedQuery"]
	if !present || pq == nil {
		if e.mode != Only {
			return nil
		}
		_, ok, err := e.store.Lookup(ctx, Hash(raw.Query))
		if err != nil {
			return e.lookupFailed(ctx, err)
		}
		if !ok {
			return notAllowed()
		}
		return nil
	}
	if e.mode == Off {
		return coded(NotSupported, "PersistedQueryNotSupported: this hub does not accept persisted queries")
	}
	hash, err := parseExtension(pq)
	if err != nil {
		return coded(apierr.BadRequest, "extensions.persistedQuery: "+err.Error())
	}
	if raw.Query == "" {
		q, ok, err := e.store.Lookup(ctx, hash)
		if err != nil {
			return e.lookupFailed(ctx, err)
		}
		if !ok && e.mode == Auto {
			q, ok = e.apq.Get(ctx, hash)
		}
		if !ok {
			if e.mode == Only {
				return notAllowed()
			}
			return coded(apierr.PersistedQueryNotFound, "PersistedQueryNotFound")
		}
		raw.Query = q
		return nil
	}
	if Hash(raw.Query) != hash {
		return coded(apierr.BadRequest, "provided sha256Hash does not match the query")
	}
	if e.mode == Only {
		_, ok, err := e.store.Lookup(ctx, hash)
		if err != nil {
			return e.lookupFailed(ctx, err)
		}
		if !ok {
			return notAllowed()
		}
		return nil
	}
	e.apq.Add(ctx, hash, raw.Query)
	return nil
}

func parseExtension(pq any) (string, error) {
	m, ok := pq.(map[string]any)
	if !ok {
		return "", errors.New("want an object with version and sha256Hash")
	}
	if v := fmt.Sprint(m["version"]); v != "1" {
		return "", fmt.Errorf("unsupported version %s (want 1)", v)
	}
	hash, _ := m["sha256Hash"].(string)
	hash = strings.ToLower(hash)
	if !hashPattern.MatchString(hash) {
		return "", errors.New("sha256Hash must be 64 hexadecimal digits")
	}
	return hash, nil
}

func notAllowed() *gqlerror.Error {
	return coded(apierr.PersistedQueryNotAllowed, "this hub runs only registered operations, and this one is not registered")
}

func (e *Extension) lookupFailed(ctx context.Context, err error) *gqlerror.Error {
	if apierr.IsUnavailable(err) {
		e.logger.WarnContext(ctx, "persisted query lookup: database unavailable", "err", err)
		return coded(apierr.Unavailable, "the database is unavailable; retry later")
	}
	e.logger.ErrorContext(ctx, "persisted query lookup", "err", err)
	return coded(apierr.Internal, "internal error")
}

func coded(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}
