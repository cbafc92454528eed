// Package audit keeps the access log: every response that showed personal data in clear
// appends one row (who, when, role, stated purpose, operation, a hash of the document, and
// the entities shown) to hub.access_log. Rows are chained by hash, each covering the one
// before it, so that changing or deleting a row is detectable (Verify); the hub's database
// role may only insert.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// rowHash chains an entry to the hash of the row before it.
func rowHash(prev []byte, e Entry) []byte {
	body, _ := json.Marshal([]any{e.At.UTC().Format(time.RFC3339Nano), e.Subject, e.Role, e.Purpose, e.Operation, e.DocumentHash, e.EntityIDs})
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	return h.Sum(nil)
}

// chainLock serialises appends so that each row chains to the last one.
const chainLock = 0x6369766c696e6b // "civlink"

// Append writes e to the log, chained to the last row, in its own transaction.
func Append(ctx context.Context, db dbpool.DB, e Entry) error {
	ctx = auth.WithSystem(ctx)
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.EntityIDs == nil {
		e.EntityIDs = []string{}
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
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
		_, err = tx.Exec(ctx, `INSERT INTO hub.access_log (at, subject, role, purpose, operation, document_hash, entity_ids, prev_hash, row_hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			e.At, e.Subject, e.Role, purpose, operation, e.DocumentHash, e.EntityIDs, prev, rowHash(prev, e))
		if err != nil {
			return fmt.Errorf("append to access log: %w", err)
		}
		return nil
	})
}

// Report is the result of checking the chain.
type Report struct {
	Rows int
	// BrokenAt is the id of the first row whose hash does not match its contents or its
	// predecessor; nil when the chain is intact.
	BrokenAt *int64
}

// Verify recomputes the chain over every row.
func Verify(ctx context.Context, db dbpool.DB) (Report, error) {
	ctx = auth.WithSystem(ctx)
	rows, err := db.Query(ctx, `SELECT id, at, subject, role, coalesce(purpose, ''), coalesce(operation, ''), document_hash, entity_ids, prev_hash, row_hash
		FROM hub.access_log ORDER BY id`)
	if err != nil {
		return Report{}, fmt.Errorf("read access log: %w", err)
	}
	defer rows.Close()
	var rep Report
	var last []byte
	for rows.Next() {
		var id int64
		var e Entry
		var prev, stored []byte
		if err := rows.Scan(&id, &e.At, &e.Subject, &e.Role, &e.Purpose, &e.Operation, &e.DocumentHash, &e.EntityIDs, &prev, &stored); err != nil {
			return rep, fmt.Errorf("read access log: %w", err)
		}
		rep.Rows++
		if string(prev) != string(last) || string(rowHash(prev, e)) != string(stored) {
			rep.BrokenAt = &id
			return rep, nil
		}
		last = stored
	}
	return rep, rows.Err()
}
