package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"civiclink/internal/auth"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// ErrKeyReused reports an idempotency key used again with a different input.
var ErrKeyReused = validate.Field("idempotencyKey", "was already used for a different request; use a new key")

// Runner runs each mutation in one transaction, all or nothing.
type Runner struct {
	Pool interface {
		Begin(ctx context.Context) (pgx.Tx, error)
	}
}

// Command is a domain command: it does its work in tx, from its typed input, and returns
// its typed result (db/mediation.RegisterDispute, db/risk.AddMeasure, …).
type Command[I, R any] func(ctx context.Context, tx pgx.Tx, in I) (R, error)

// Exec runs cmd with input in as one transaction, as Do does: a retry under the same
// idempotency key returns the first result. raw is the request's input, which the key's
// request hash covers.
func Exec[I, R any](ctx context.Context, r *Runner, op string, key *string, raw any, cmd Command[I, R], in I) (R, error) {
	return Do(ctx, r, op, key, raw, func(ctx context.Context, tx pgx.Tx) (R, error) { return cmd(ctx, tx, in) })
}

// Do runs fn in one transaction. fn's result R is a struct of the IDs it wrote, with JSON
// tags, from which the payload is read back after commit. With a key, R is stored as JSON
// and a retry with the same key and input returns it decoded, writing nothing more; the same
// key with another input is refused. The key is scoped to the calling principal.
func Do[R any](ctx context.Context, r *Runner, op string, key *string, input any, fn func(ctx context.Context, tx pgx.Tx) (R, error)) (R, error) {
	var out R
	err := r.inTx(ctx, func(tx pgx.Tx) error {
		if key != nil {
			replayed, stored, err := claimKey(ctx, tx, op, *key, input)
			if err != nil {
				return err
			}
			if replayed {
				if err := json.Unmarshal(stored, &out); err != nil {
					return fmt.Errorf("decode stored result: %w", err)
				}
				return nil
			}
		}
		res, err := fn(ctx, tx)
		if err != nil {
			return err
		}
		out = res
		if key != nil {
			return storeResult(ctx, tx, *key, res)
		}
		return nil
	})
	return out, err
}

// inTx runs fn in a transaction, rolling back (under a context that cannot be cancelled,
// so a client hanging up never leaves the connection mid-transaction) on any error.
func (r *Runner) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func requestHash(op string, input any) ([]byte, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("hash request: %w", err)
	}
	h := sha256.Sum256(append([]byte(op+"\x00"), b...))
	return h[:], nil
}

// claimKey records the key for this request, or, when a committed request already holds it,
// returns that request's stored result (JSON). A concurrent request with the same key waits
// on the row.
func claimKey(ctx context.Context, tx pgx.Tx, op, key string, input any) (bool, []byte, error) {
	if len(key) == 0 || len(key) > 200 {
		return false, nil, validate.Field("idempotencyKey", "must have 1 to 200 characters")
	}
	hash, err := requestHash(op, input)
	if err != nil {
		return false, nil, err
	}
	principal := auth.FromContext(ctx).Actor()
	tag, err := tx.Exec(ctx, `INSERT INTO hub.idempotency_key (key, principal, operation, request_hash, response)
		VALUES ($1, $2, $3, $4, '{}') ON CONFLICT DO NOTHING`, key, principal, op, hash)
	if err != nil {
		return false, nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return false, nil, nil
	}
	var storedOp string
	var storedHash, response []byte
	err = tx.QueryRow(ctx, `SELECT operation, request_hash, response FROM hub.idempotency_key WHERE principal = $1 AND key = $2`,
		principal, key).Scan(&storedOp, &storedHash, &response)
	if err != nil {
		return false, nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if storedOp != op || string(storedHash) != string(hash) {
		return false, nil, ErrKeyReused
	}
	return true, response, nil
}

func storeResult(ctx context.Context, tx pgx.Tx, key string, res any) error {
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE hub.idempotency_key SET response = $3 WHERE principal = $1 AND key = $2`,
		auth.FromContext(ctx).Actor(), key, b)
	if err != nil {
		return fmt.Errorf("store idempotency result: %w", err)
	}
	return nil
}

// NextNumber hands out the next human-facing number of a kind ("J" cases, "T" disputes,
// "E" grid events) for a year, e.g. NextNumber(ctx, tx, "J", 2026, 6) = "J2026-000124". The
// database function serialises concurrent callers on the counter row.
func NextNumber(ctx context.Context, tx pgx.Tx, kind string, year, digits int) (string, error) {
	var no string
	if err := tx.QueryRow(ctx, "SELECT hub.next_number($1, $2, $3)", kind, year, digits).Scan(&no); err != nil {
		return "", fmt.Errorf("next %s%d number: %w", kind, year, err)
	}
	return no, nil
}
