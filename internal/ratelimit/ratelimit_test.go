package ratelimit

import (
	"net/http/httptest"
	"testing"
	"time"
)

// TestAllow drives the limiter with a fake clock: each client has its own bucket, the burst
// passes, the next request is refused with the time until a token is back, and tokens
// refill at the configured rate.
func TestAllow(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l := New(Options{PerIP: 2, PerKey: 1, Burst: 3, Now: func() time.Time { return now }})
	req := func(ip, key string) Decision {
		r := httptest.NewRequest("POST", "/graphql", nil)
		r.RemoteAddr = ip + ":1234"
		if key != "" {
			r.Header.Set("X-API-Key", key)
		}
		return l.Allow(r)
	}
	type step struct {
		advance   time.Duration
		ip, key   string
		allowed   bool
		limit     string
		retryAtMs int64 // expected RetryAfter in ms when refused
	}
	steps := []step{
		{0, "10.0.0.1", "", true, "", 0},
		{0, "10.0.0.1", "", true, "", 0},
		{0, "10.0.0.1", "", true, "", 0},
		{0, "10.0.0.1", "", false, "ip", 500}, // burst of 3 spent; 2/s → next token in 0.5 s
		{0, "10.0.0.2", "", true, "", 0},      // another IP has its own bucket
		{500 * time.Millisecond, "10.0.0.1", "", true, "", 0},
		{0, "10.0.0.3", "k", true, "", 0},
		{0, "10.0.0.4", "k", true, "", 0},
		{0, "10.0.0.5", "k", true, "", 0},
		{0, "10.0.0.6", "k", false, "key", 1000}, // the key's burst is spent from any IP; 1/s
		{time.Second, "10.0.0.6", "k", true, "", 0},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		d := req(s.ip, s.key)
		if d.Allowed != s.allowed || d.Limit != s.limit {
			t.Fatalf("step %d (%s key %q): allowed=%v limit=%q; want allowed=%v limit=%q", i, s.ip, s.key, d.Allowed, d.Limit, s.allowed, s.limit)
		}
		if !s.allowed && d.RetryAfter.Milliseconds() != s.retryAtMs {
			t.Errorf("step %d: RetryAfter = %v, want %d ms", i, d.RetryAfter, s.retryAtMs)
		}
		if !s.allowed && d.RetryAfterSeconds() < 1 {
			t.Errorf("step %d: Retry-After %d s, want at least 1", i, d.RetryAfterSeconds())
		}
	}
}

// TestRefusedKeyDoesNotSpendIP: a request refused by its key limit gives back the IP token.
func TestRefusedKeyDoesNotSpendIP(t *testing.T) {
	now := time.Now()
	l := New(Options{PerIP: 1, PerKey: 1, Burst: 1, Now: func() time.Time { return now }})
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.RemoteAddr = "10.0.0.1:1"
	r.Header.Set("Authorization", "Bearer a")
	if d := l.Allow(r); !d.Allowed {
		t.Fatalf("first request refused: %+v", d)
	}
	r2 := httptest.NewRequest("POST", "/graphql", nil)
	r2.RemoteAddr = "10.0.0.2:1"
	r2.Header.Set("Authorization", "Bearer a")
	if d := l.Allow(r2); d.Allowed || d.Limit != "key" {
		t.Fatalf("second request with the same key: %+v, want refused by key", d)
	}
	r3 := httptest.NewRequest("POST", "/graphql", nil)
	r3.RemoteAddr = "10.0.0.2:1"
	if d := l.Allow(r3); !d.Allowed {
		t.Fatalf("request from 10.0.0.2 without key refused (%+v): the refused key request spent its IP token", d)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		name   string
		remote string
		xff    []string
		trust  bool
		want   string
	}{
		{"peer", "192.0.2.1:5000", nil, false, "192.0.2.1"},
		{"forwarded ignored by default", "192.0.2.1:5000", []string{"203.0.113.9"}, false, "192.0.2.1"},
		{"last forwarded entry when trusted", "192.0.2.1:5000", []string{"1.1.1.1, 203.0.113.9"}, true, "203.0.113.9"},
		{"last header when repeated", "192.0.2.1:5000", []string{"1.1.1.1", "203.0.113.7"}, true, "203.0.113.7"},
		{"garbage forwarded falls back to peer", "192.0.2.1:5000", []string{"not-an-ip"}, true, "192.0.2.1"},
		{"ipv6 peer", "[2001:db8::1]:443", nil, false, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tt.trust); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOff(t *testing.T) {
	if l := New(Options{}); l != nil {
		t.Fatalf("New with no rates = %v, want nil (no limit)", l)
	}
	var l *Limiter
	if d := l.Allow(httptest.NewRequest("GET", "/", nil)); !d.Allowed {
		t.Fatalf("nil limiter refused a request")
	}
}
