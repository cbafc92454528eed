package dbpool

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// batchSender is a connection or a transaction.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// sendWithSettings sends b after the caller's settings in one pipeline on s; alone says
// that s is a connection, not a transaction; release runs when the results are closed.
func sendWithSettings(ctx context.Context, s batchSender, b *pgx.Batch, alone bool, release func()) pgx.BatchResults {
	br := s.SendBatch(ctx, withSettings(ctx, b, alone))
	r := &carriedResults{BatchResults: br, release: release}
	if _, err := br.Exec(); err != nil {
		r.err = fmt.Errorf("set the caller's settings: %w", err)
	}
	return r
}

// carriedResults are the results of a batch whose settings statement has been read; it
// releases its connection when closed.
type carriedResults struct {
	pgx.BatchResults
	err     error
	release func()
	once    sync.Once
}

func (r *carriedResults) Exec() (pgconn.CommandTag, error) {
	if r.err != nil {
		return pgconn.CommandTag{}, r.err
	}
	return r.BatchResults.Exec()
}

func (r *carriedResults) Query() (pgx.Rows, error) {
	if r.err != nil {
		return nil, r.err
	}
	return r.BatchResults.Query()
}

func (r *carriedResults) QueryRow() pgx.Row {
	if r.err != nil {
		return row{err: r.err}
	}
	return r.BatchResults.QueryRow()
}

func (r *carriedResults) Close() error {
	err := r.BatchResults.Close()
	r.once.Do(func() {
		if r.release != nil {
			r.release()
		}
	})
	if r.err != nil {
		return r.err
	}
	return err
}

// query reads the one statement of br as rows that close br when done.
func query(br pgx.BatchResults) (pgx.Rows, error) {
	rows, err := br.Query()
	if err != nil {
		if rows != nil {
			rows.Close()
		}
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// exec reads the one statement of br and closes it.
func exec(br pgx.BatchResults) (pgconn.CommandTag, error) {
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return tag, err
}

// batchRows are the rows of a batch's statement; closing them (or reading past the last)
// closes the batch and releases its connection, as pgxpool's own rows do.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) Next() bool {
	if r.closed {
		return false
	}
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	if err := r.br.Close(); err != nil && r.Rows.Err() == nil {
		r.err = err
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// row is a pgx.Row over rows, as pgx's own.
type row struct {
	rows pgx.Rows
	err  error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// settingsTx is a transaction whose first statement carries the caller's settings, which
// then last until the transaction ends (they are transaction-local).
type settingsTx struct {
	pgx.Tx
	pending bool
}

// apply sends the settings alone, for the statements that cannot carry them.
func (t *settingsTx) apply(ctx context.Context) error {
	if !t.pending {
		return nil
	}
	t.pending = false
	if _, err := t.Tx.Exec(ctx, settingsSQL, settingsArgs(ctx, true, planChosen)...); err != nil {
		return fmt.Errorf("set the caller's settings: %w", err)
	}
	return nil
}

func (t *settingsTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if !t.pending {
		return t.Tx.SendBatch(ctx, b)
	}
	t.pending = false
	return sendWithSettings(ctx, t.Tx, b, false, nil)
}

func (t *settingsTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if !t.pending {
		return t.Tx.Query(ctx, sql, args...)
	}
	return query(t.SendBatch(ctx, single(sql, args)))
}

func (t *settingsTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if !t.pending {
		return t.Tx.QueryRow(ctx, sql, args...)
	}
	rows, err := t.Query(ctx, sql, args...)
	return row{rows: rows, err: err}
}

func (t *settingsTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if !t.pending {
		return t.Tx.Exec(ctx, sql, args...)
	}
	return exec(t.SendBatch(ctx, single(sql, args)))
}

func (t *settingsTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.apply(ctx); err != nil {
		return 0, err
	}
	return t.Tx.CopyFrom(ctx, table, columns, src)
}

func (t *settingsTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.apply(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Prepare(ctx, name, sql)
}

func (t *settingsTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := t.apply(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Begin(ctx)
}
