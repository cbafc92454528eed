package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"civiclink/internal/apierr"
	"civiclink/internal/gqlhttp"
	"civiclink/internal/ratelimit"

	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Outcomes of a GraphQL request, as logged and counted.
const (
	outcomeOK          = "ok"
	outcomeError       = "error"
	outcomeBadRequest  = "bad_request"
	outcomeTooComplex  = "too_complex"
	outcomeRateLimited = "rate_limited"
	outcomePersisted   = "persisted_query"
	outcomeUnavailable = "unavailable"
	outcomeInternal    = "internal"
	outcomeTimeout     = "timeout"
)

// requestInfo collects what the layers of a request learn about it (operation name,
// outcome) for the access log, metrics and the trace span.
type requestInfo struct {
	mu        sync.Mutex
	operation string
	outcome   string
}

func (i *requestInfo) setOperation(name string) {
	if name == "" {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.operation = name
}

func (i *requestInfo) setOutcome(o string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.outcome = o
}

func (i *requestInfo) operationName() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.operation
}

func (i *requestInfo) outcomeOr(def string) string {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.outcome == "" {
		return def
	}
	return i.outcome
}

// statusWriter remembers the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher, which event streams need (gqlgen's SSE transport asserts
// it); the status is recorded first when nothing was written yet.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// accessLog logs one structured line per request: method, path, status, duration, SQL
// statements and, for GraphQL, the operation name and outcome.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestContextKey{}, info)))
		attrs := []slog.Attr{
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)),
		}
		if s := sw.Header().Get(StatementsHeader); s != "" {
			attrs = append(attrs, slog.String("statements", s))
		}
		if op := info.operationName(); op != "" {
			attrs = append(attrs, slog.String("operation", op))
		}
		if o := info.outcomeOr(""); o != "" {
			attrs = append(attrs, slog.String("outcome", o))
		}
		logger.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
	})
}

// writeRateLimited answers 429 with Retry-After and a RATE_LIMITED GraphQL error.
func writeRateLimited(w http.ResponseWriter, r *http.Request, d ratelimit.Decision) {
	media, ok := gqlhttp.Negotiate(r.Header.Get("Accept"))
	if !ok {
		media = mediaJSON
	}
	secs := d.RetryAfterSeconds()
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeCodedError(w, media, http.StatusTooManyRequests, &gqlerror.Error{
		Message:    "rate limit exceeded (" + d.Limit + "); retry after " + strconv.Itoa(secs) + " s",
		Extensions: map[string]any{"code": apierr.RateLimited, "limit": d.Limit, "retryAfter": secs},
	})
}

var tracer = otel.Tracer("civiclink/internal/server")

// startSpan starts the server span of a GraphQL request, continuing the caller's trace
// when it sent W3C trace-context headers. Without a configured exporter it costs nothing.
func startSpan(ctx context.Context, r *http.Request) (context.Context, trace.Span) {
	ctx = otel.GetTextMapPropagator().Extract(ctx, propagation.HeaderCarrier(r.Header))
	return tracer.Start(ctx, "graphql", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
}

func endSpan(span trace.Span, info *requestInfo, statements int64) {
	op := info.operationName()
	if op != "" {
		span.SetName("graphql " + op)
		span.SetAttributes(attribute.String("graphql.operation.name", op))
	}
	outcome := info.outcomeOr(outcomeOK)
	span.SetAttributes(attribute.String("civiclink.outcome", outcome), attribute.Int64("civiclink.sql_statements", statements))
	if outcome == outcomeInternal || outcome == outcomeUnavailable {
		span.SetStatus(codes.Error, outcome)
	}
	span.End()
}

func containsToken(header, token string) bool {
	for part := range strings.SplitSeq(header, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(mt), token) {
			return true
		}
	}
	return false
}
