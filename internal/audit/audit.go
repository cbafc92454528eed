// Package audit keeps the access log: every response that showed personal data in clear
// appends one row (who, when, role, stated purpose, operation, a hash of the document, and
// the entities shown) to hub.access_log. Rows are chained: each row's hash is an HMAC,
// under a key the database does not hold, over the row and the hash of the row before it,
// so that no one with only the database can change, remove or re-chain a row unseen; and
// the hub writes the newest row's hash (the head) outside the database, to its log and to
// a head file, so that deleting the newest rows is seen too (Verify). The hub's database
// role may only insert.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/dbpool"

	"github.com/jackc/pgx/v5"
)

// Entry is one access-log row.
type Entry struct {
	At           time.Time
	Subject      string
	Role         string
	Purpose      string
	Operation    string
	DocumentHash string
	EntityIDs    []string
}

// DocumentHash is the hex SHA-256 of a GraphQL document.
func DocumentHash(doc string) string {
	h := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(h[:])
}

// KeySize is the length of the chain key in bytes.
const KeySize = 32

// body is the canonical encoding of an entry's contents.
func body(e Entry) []byte {
	b, _ := json.Marshal([]any{e.At.UTC().Format(time.RFC3339Nano), e.Subject, e.Role, e.Purpose, e.Operation, e.DocumentHash, e.EntityIDs})
	return b
}

// keyedHash chains an entry to the hash of the row before it under key.
func keyedHash(key, prev []byte, e Entry) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("civiclink access log v2\x00"))
	h.Write(prev)
	h.Write(body(e))
	return h.Sum(nil)
}

// legacyHash is the unkeyed hash of rows written before the chain was keyed (migration
// 00111); such rows may only precede every keyed row.
func legacyHash(prev []byte, e Entry) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(body(e))
	return h.Sum(nil)
}

// chainLock serialises appends so that each row chains to the last one.
const chainLock = 0x6369766c696e6b // "civlink"

// Log appends to and verifies the access log.
type Log struct {
	db     dbpool.DB
	key    []byte
	head   string // head file; "" = none
	logger *slog.Logger

	mu   sync.Mutex
	last int64 // id of the newest head published
}

// New returns the access log in db, chained under key (KeySize bytes), that publishes its
// head to logger and, when headFile is not empty, to that file.
func New(db dbpool.DB, key []byte, headFile string, logger *slog.Logger) (*Log, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("access log key: want %d bytes, have %d", KeySize, len(key))
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Log{db: db, key: key, head: headFile, logger: logger}, nil
}

// Ephemeral returns an access log under a key random to this process and without a head
// file, for handlers built without one (tests): its chain cannot be verified afterwards.
func Ephemeral(db dbpool.DB, logger *slog.Logger) *Log {
	key := make([]byte, KeySize)
	_, _ = rand.Read(key)
	l, _ := New(db, key, "", logger)
	return l
}

// Append writes e to the log, chained to the last row, in its own transaction, then
// publishes the new head.
func (l *Log) Append(ctx context.Context, e Entry) error {
	ctx = auth.WithSystem(ctx)
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.EntityIDs == nil {
		e.EntityIDs = []string{}
	}
	var head Head
	err := pgx.BeginFunc(ctx, l.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", chainLock); err != nil {
			return fmt.Errorf("lock access log: %w", err)
		}
		var prev []byte
		err := tx.QueryRow(ctx, "SELECT row_hash FROM hub.access_log ORDER BY id DESC LIMIT 1").Scan(&prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read access log tail: %w", err)
		}
		var purpose, operation *string
		if e.Purpose != "" {
			purpose = &e.Purpose
		}
		if e.Operation != "" {
			operation = &e.Operation
		}
		head.Hash = keyedHash(l.key, prev, e)
		err = tx.QueryRow(ctx, `INSERT INTO hub.access_log (at, subject, role, purpose, operation, document_hash, entity_ids, prev_hash, row_hash, keyed)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true) RETURNING id`,
			e.At, e.Subject, e.Role, purpose, operation, e.DocumentHash, e.EntityIDs, prev, head.Hash).Scan(&head.ID)
		if err != nil {
			return fmt.Errorf("append to access log: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return l.publish(ctx, head)
}

// publish writes a committed head to the hub's log and its head file (never an older one
// over a newer).
func (l *Log) publish(ctx context.Context, h Head) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h.ID <= l.last {
		return nil
	}
	l.last = h.ID
	l.logger.InfoContext(ctx, "access log head", "head", h.String())
	if l.head == "" {
		return nil
	}
	if err := writeHead(l.head, h); err != nil {
		return fmt.Errorf("publish access log head: %w", err)
	}
	return nil
}

// Report is the result of checking the chain.
type Report struct {
	Rows int
	// BrokenAt is the id of the first row whose hash does not match its contents or its
	// predecessor (or, for a shortened log, the anchored row that is gone); nil when the
	// chain is intact.
	BrokenAt *int64
	// Problem says what is wrong, when BrokenAt is set.
	Problem string
	// Head is the newest row (zero for an empty log).
	Head Head
	// Anchored says whether the chain was checked against a head kept outside the database.
	Anchored bool
	// Legacy counts the rows written before the chain was keyed (a prefix of the log).
	Legacy int
}

// Verify recomputes the chain over every row under the log's key and checks it against
// anchor, a head published earlier (nil when none is at hand: then a log shortened by its
// newest rows cannot be told from one that never had them).
func (l *Log) Verify(ctx context.Context, anchor *Head) (Report, error) {
	ctx = auth.WithSystem(ctx)
	rows, err := l.db.Query(ctx, `SELECT id, at, subject, role, coalesce(purpose, ''), coalesce(operation, ''), document_hash, entity_ids, prev_hash, row_hash, keyed
		FROM hub.access_log ORDER BY id`)
	if err != nil {
		return Report{}, fmt.Errorf("read access log: %w", err)
	}
	defer rows.Close()
	rep := Report{Anchored: anchor != nil}
	broken := func(id int64, problem string) (Report, error) {
		rep.BrokenAt, rep.Problem = &id, problem
		return rep, nil
	}
	var last []byte
	seenKeyed, anchorSeen := false, false
	for rows.Next() {
		var id int64
		var e Entry
		var prev, stored []byte
		var keyed bool
		if err := rows.Scan(&id, &e.At, &e.Subject, &e.Role, &e.Purpose, &e.Operation, &e.DocumentHash, &e.EntityIDs, &prev, &stored, &keyed); err != nil {
			return rep, fmt.Errorf("read access log: %w", err)
		}
		rep.Rows++
		if !hmac.Equal(prev, last) {
			return broken(id, fmt.Sprintf("row %d does not follow the row before it (a row was removed or re-chained)", id))
		}
		switch {
		case keyed:
			seenKeyed = true
			if !hmac.Equal(keyedHash(l.key, prev, e), stored) {
				return broken(id, fmt.Sprintf("row %d does not match its hash under the access-log key (changed, or written without the key)", id))
			}
		case seenKeyed:
			return broken(id, fmt.Sprintf("row %d is unkeyed after keyed rows", id))
		default:
			rep.Legacy++
			if !hmac.Equal(legacyHash(prev, e), stored) {
				return broken(id, fmt.Sprintf("row %d does not match its hash", id))
			}
		}
		if anchor != nil && id == anchor.ID {
			anchorSeen = true
			if !hmac.Equal(stored, anchor.Hash) {
				return broken(id, fmt.Sprintf("row %d differs from the head published outside the database", id))
			}
		}
		last = stored
		rep.Head = Head{ID: id, Hash: stored}
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("read access log: %w", err)
	}
	if anchor != nil {
		if !anchorSeen {
			return broken(anchor.ID, fmt.Sprintf("row %d of the head published outside the database is gone: the log was shortened", anchor.ID))
		}
	}
	return rep, nil
}
