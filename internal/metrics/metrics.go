// Package metrics defines the hub's Prometheus metrics and its OpenTelemetry tracing set-up.
package metrics

import (
	"net/http"
	"sync"

	"civiclink/db/loaders"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MaxOperationNames bounds the operation label: names beyond the first this many distinct
// ones are counted as "other", so clients cannot blow up the series count.
const MaxOperationNames = 200

// batchSizes is process-wide because loaders report batches to one observer; it is
// registered with every Metrics registry.
var (
	batchSizes = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "civiclink_dataloader_batch_size",
		Help:    "Keys per dataloader batch statement.",
		Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000},
	})
	observeOnce sync.Once
)

// Metrics holds the hub's collectors and the registry that serves them.
type Metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	statements prometheus.Histogram
	rejected   *prometheus.CounterVec

	mu    sync.Mutex
	names map[string]struct{}
}

// New registers the hub's metrics, Go and process metrics, and the pool's statistics.
func New(pool *pgxpool.Pool) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civiclink_graphql_requests_total",
			Help: "GraphQL requests by operation name and outcome (ok, error, bad_request, too_complex, rate_limited, persisted_query, timeout, unavailable, internal).",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "civiclink_graphql_request_duration_seconds",
			Help:    "Latency of GraphQL requests by operation name.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		statements: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "civiclink_graphql_sql_statements",
			Help:    "SQL statements run per GraphQL request.",
			Buckets: []float64{0, 1, 2, 5, 10, 20, 50, 100, 200},
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civiclink_rate_limited_total",
			Help: "Requests refused by the rate limiter, by limit (ip or key).",
		}, []string{"limit"}),
		names: map[string]struct{}{},
	}
	m.registry.MustRegister(m.requests, m.duration, m.statements, m.rejected, batchSizes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		m.registry.MustRegister(poolCollector{pool})
	}
	observeOnce.Do(func() { loaders.SetBatchObserver(func(n int) { batchSizes.Observe(float64(n)) }) })
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Request records one GraphQL request.
func (m *Metrics) Request(operation, outcome string, seconds float64, statements int64) {
	op := m.label(operation)
	m.requests.WithLabelValues(op, outcome).Inc()
	m.duration.WithLabelValues(op).Observe(seconds)
	m.statements.Observe(float64(statements))
}

// RateLimited records a request refused by limit.
func (m *Metrics) RateLimited(limit string) { m.rejected.WithLabelValues(limit).Inc() }

func (m *Metrics) label(operation string) string {
	if operation == "" {
		return "anonymous"
	}
	if len(operation) > 100 {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.names[operation]; ok {
		return operation
	}
	if len(m.names) >= MaxOperationNames {
		return "other"
	}
	m.names[operation] = struct{}{}
	return operation
}

// poolCollector reports pgxpool statistics at scrape time.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolConns = prometheus.NewDesc("civiclink_db_pool_connections", "Database pool connections by state (acquired, idle, constructing, total, max).", []string{"state"}, nil)
	poolAcq   = prometheus.NewDesc("civiclink_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	poolEmpty = prometheus.NewDesc("civiclink_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil)
	poolCanc  = prometheus.NewDesc("civiclink_db_pool_canceled_acquires_total", "Acquires cancelled before they got a connection.", nil, nil)
	poolWait  = prometheus.NewDesc("civiclink_db_pool_acquire_wait_seconds_total", "Time spent acquiring connections.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolConns
	ch <- poolAcq
	ch <- poolEmpty
	ch <- poolCanc
	ch <- poolWait
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	for state, v := range map[string]int32{
		"acquired": s.AcquiredConns(), "idle": s.IdleConns(), "constructing": s.ConstructingConns(),
		"total": s.TotalConns(), "max": s.MaxConns(),
	} {
		ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(v), state)
	}
	ch <- prometheus.MustNewConstMetric(poolAcq, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolEmpty, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolCanc, prometheus.CounterValue, float64(s.CanceledAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
