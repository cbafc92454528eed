package main

import (
	"context"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/events"

	"github.com/jackc/pgx/v5"
)

// overdueScanInterval is how often the hub looks for measures that fell overdue and for
// response and due deadlines that passed.
const overdueScanInterval = time.Minute

// startEvents starts this process's event broker, which listens on PostgreSQL for workflow
// events committed by any hub process, and the periodic scan that announces overdue
// measures and passed response and due deadlines and prunes the outbox (one instance of the cluster at a time). Both stop when
// ctx ends.
func startEvents(ctx context.Context, env *environment) *events.Broker {
	ctx = auth.WithSystem(ctx)
	broker := events.NewBroker(env.logger)
	connCfg := env.pool.Config().ConnConfig
	go func() {
		err := broker.Run(ctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.ConnectConfig(ctx, connCfg.Copy()) })
		if err != nil {
			env.logger.Error("event broker stopped", "err", err)
		}
	}()
	go func() {
		tick := time.NewTicker(overdueScanInterval)
		defer tick.Stop()
		for {
			if n, err := events.ScanOverdueMeasures(ctx, env.pool); err != nil && ctx.Err() == nil {
				env.logger.Warn("scan overdue measures", "err", err)
			} else if n > 0 {
				env.logger.Info("overdue measures announced", "count", n)
			}
			if n, err := events.ScanDeadlines(ctx, env.pool); err != nil && ctx.Err() == nil {
				env.logger.Warn("scan passed deadlines", "err", err)
			} else if n > 0 {
				env.logger.Info("passed deadlines announced", "count", n)
			}
			if n, err := events.PruneOutbox(ctx, env.pool, events.DefaultRetention); err != nil && ctx.Err() == nil {
				env.logger.Warn("prune the event outbox", "err", err)
			} else if n > 0 {
				env.logger.Info("event outbox pruned", "rows", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return broker
}
