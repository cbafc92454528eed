package server_test

import (
	"fmt"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"civiclink/internal/server"
)

// TestSlowClientsAreCut: connections that trickle their headers or body (a byte every
// 100 ms) are cut once the read timeouts pass, long before they finish; before, a body sent
// a byte every 5 s held its connection for as long as the client liked.
func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	hub, h := newHub(t, nil)
	srv := httptest.NewUnstartedServer(h)
	srv.Config = server.NewHTTPServer(t.Context(), "", h, server.Timeouts{ReadHeader: 500 * time.Millisecond, Read: time.Second, Idle: time.Second})
	srv.Start()
	t.Cleanup(srv.Close)
	const (
		conns = 30
		bytes = 60 // at one byte per 100 ms: 6 s, far beyond the timeouts
	)
	body := fmt.Sprintf("POST /graphql HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", hub.Token, bytes)
	tests := []struct {
		name    string
		prefix  string // sent at once
		trickle int    // then this many bytes, one every 100 ms
	}{
		{"slow body", body, bytes},
		{"slow headers", "POST /graphql HTTP/1.1\r\nHost: hub\r\n", bytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			held := make(chan int, conns)
			var wg sync.WaitGroup
			for range conns {
				wg.Go(func() { held <- trickle(t, srv.Listener.Addr().String(), tt.prefix, tt.trickle) })
			}
			wg.Wait()
			close(held)
			for sent := range held {
				if sent >= tt.trickle {
					t.Errorf("a connection stayed open while it trickled all %d bytes; want it cut by the read timeout", sent)
				}
			}
		})
	}
}

// trickle opens a connection, sends prefix, then one byte every 100 ms up to n, and
// returns how many it sent before the server answered or closed the connection.
func trickle(t *testing.T, addr, prefix string, n int) int {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Errorf("dial: %v", err)
		return 0
	}
	defer conn.Close()
	cut := make(chan struct{})
	go func() {
		buf := make([]byte, 1)
		_, _ = conn.Read(buf) // a response or the closure
		close(cut)
	}()
	if _, err := conn.Write([]byte(prefix)); err != nil {
		return 0
	}
	for i := range n {
		select {
		case <-cut:
			return i
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := conn.Write([]byte("x")); err != nil {
			return i
		}
	}
	return n
}
