package dbpool_test

import (
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// wire is a TCP proxy in front of PostgreSQL that counts, after each connection's setup
// (its first ReadyForQuery), the round trips clients make (a client writing after the server
// has answered), those among them that only prepare statements (Parse, Describe, Sync: pgx's
// one-time preparation of a statement on a connection) and the Parse messages.
type wire struct {
	ln       net.Listener
	upstream string
	trips    atomic.Int64
	prepares atomic.Int64
	parses   atomic.Int64
	conns    atomic.Int64
}

// startWire proxies to the server of dbURL and returns the proxy and dbURL through it.
func startWire(t *testing.T, dbURL string) (*wire, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{ln: ln, upstream: u.Host}
	t.Cleanup(func() { _ = ln.Close() })
	go w.accept()
	u.Host = ln.Addr().String()
	return w, u.String()
}

func (w *wire) accept() {
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		go w.serve(c)
	}
}

// wireConn is one proxied connection's state.
type wireConn struct {
	mu       sync.Mutex
	ready    bool // the server has sent its first ReadyForQuery
	answered bool // the server has sent something since the client last wrote
	prepOnly bool // the client's current round trip has only prepared statements
	open     bool // the client has written since the server last answered
}

func (w *wire) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", w.upstream)
	if err != nil {
		return
	}
	defer server.Close()
	w.conns.Add(1)
	st := &wireConn{}
	done := make(chan struct{}, 2)
	go func() { w.fromClient(client, server, st); done <- struct{}{} }()
	go func() { w.fromServer(server, client, st); done <- struct{}{} }()
	<-done
}

// fromClient forwards the client's messages, counting round trips and Parse messages.
func (w *wire) fromClient(client, server net.Conn, st *wireConn) {
	// The startup message has no type byte.
	var n [4]byte
	if _, err := io.ReadFull(client, n[:]); err != nil {
		return
	}
	rest := make([]byte, binary.BigEndian.Uint32(n[:])-4)
	if _, err := io.ReadFull(client, rest); err != nil {
		return
	}
	if _, err := server.Write(append(n[:], rest...)); err != nil {
		return
	}
	for {
		var head [5]byte
		if _, err := io.ReadFull(client, head[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(client, body); err != nil {
			return
		}
		st.mu.Lock()
		if st.ready {
			if st.answered || !st.open {
				w.trips.Add(1)
				st.prepOnly, st.open = true, true
			}
			switch head[0] {
			case 'P':
				w.parses.Add(1)
			case 'D', 'S', 'H':
			default:
				st.prepOnly = false
			}
		}
		st.answered = false
		st.mu.Unlock()
		if _, err := server.Write(append(head[:], body...)); err != nil {
			return
		}
	}
}

// fromServer forwards the server's messages, noting the first ReadyForQuery and, after it,
// that the server has answered.
func (w *wire) fromServer(server, client net.Conn, st *wireConn) {
	for {
		var head [5]byte
		if _, err := io.ReadFull(server, head[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(server, body); err != nil {
			return
		}
		st.mu.Lock()
		if head[0] == 'Z' {
			st.ready = true
		}
		if st.ready {
			if st.open && !st.answered && st.prepOnly {
				w.prepares.Add(1)
			}
			st.answered = true
			st.open = false
		}
		st.mu.Unlock()
		if _, err := client.Write(append(head[:], body...)); err != nil {
			return
		}
	}
}
