package server_test

import (
	"bytes"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestTracing: with a tracer provider installed (as CIVICLINK_OTLP_ENDPOINT does), a GraphQL
// request becomes a server span named after its operation, continuing the caller's
// W3C trace, with its outcome and SQL statement count.
func TestTracing(t *testing.T) {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		_ = tp.Shutdown(t.Context())
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	})
	hub, _ := newHub(t, nil)
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, _ := http.NewRequest("POST", hub.Server.URL+"/graphql", bytes.NewReader([]byte(`{"query":"query TracedOp { cases(first: 1) { totalCount } }"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	if res := hub.Do(t, req); res.Status != 200 || len(res.Errors) > 0 {
		t.Fatalf("request failed: %d %s", res.Status, res.Raw)
	}
	for _, s := range exporter.GetSpans() {
		if s.Name != "graphql TracedOp" {
			continue
		}
		if s.SpanContext.TraceID().String() != traceID || s.Parent.SpanID().String() != parentID {
			t.Errorf("span continues trace %s parent %s, want %s / %s", s.SpanContext.TraceID(), s.Parent.SpanID(), traceID, parentID)
		}
		attrs := map[string]string{}
		for _, a := range s.Attributes {
			attrs[string(a.Key)] = a.Value.String()
		}
		if attrs["civiclink.outcome"] != "ok" || attrs["graphql.operation.name"] != "TracedOp" || attrs["civiclink.sql_statements"] == "" || attrs["civiclink.sql_statements"] == "0" {
			t.Errorf("span attributes %v, want outcome ok, operation TracedOp and a statement count", attrs)
		}
		return
	}
	t.Fatalf("no span named \"graphql TracedOp\" among %d spans", len(exporter.GetSpans()))
}
