package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"regexp"
	"sync"
	"sync/atomic"
)

// countingProxy forwards TCP connections from a loopback port to PostgreSQL and counts round
// trips: a round trip starts each time a client writes after the server has answered (or
// for the first time on a connection). Pipelined messages sent together count once, as the
// client waits for the server only once for them; this is the same for both servers, whatever
// their driver.
//
// It also reads each connection's startup message, to tell whether the session runs with
// jit = off (as a startup parameter, the hub's way, or in options, PGOPTIONS' way): the
// sides are compared under the same settings only if every connection of each does.
type countingProxy struct {
	ln       net.Listener
	upstream string
	trips    atomic.Int64
	conns    atomic.Int64 // connections whose startup message was read
	jitOff   atomic.Int64 // of those, the ones that asked for jit = off
	wg       sync.WaitGroup
}

// startProxy listens on a random loopback port and forwards to upstream (host:port).
func startProxy(ctx context.Context, upstream string) (*countingProxy, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &countingProxy{ln: ln, upstream: upstream}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// port is the proxy's local port.
func (p *countingProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// roundTrips is the number of round trips counted so far.
func (p *countingProxy) roundTrips() int64 { return p.trips.Load() }

// jit reports how many connections the proxy has seen start and how many of them asked for
// jit = off.
func (p *countingProxy) jit() (conns, off int64) { return p.conns.Load(), p.jitOff.Load() }

func (p *countingProxy) close() {
	_ = p.ln.Close()
	p.wg.Wait()
}

func (p *countingProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *countingProxy) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer server.Close()
	var answered atomic.Bool // the server spoke since the client last wrote
	answered.Store(true)
	if params, ok := relayStartup(client, server); ok {
		p.conns.Add(1)
		if jitOff(params) {
			p.jitOff.Add(1)
		}
		p.trips.Add(1) // the startup message, as before: the first write of the connection
		answered.Store(false)
	}
	done := make(chan struct{}, 2)
	go func() {
		pipe(server, client, func() {
			if answered.Swap(false) {
				p.trips.Add(1)
			}
		})
		done <- struct{}{}
	}()
	go func() {
		pipe(client, server, func() { answered.Store(true) })
		done <- struct{}{}
	}()
	<-done
}

// pipe copies src to dst, calling seen before forwarding each chunk read.
func pipe(dst io.Writer, src net.Conn, seen func()) {
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			seen()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if c, ok := dst.(interface{ CloseWrite() error }); ok && errors.Is(err, io.EOF) {
				_ = c.CloseWrite()
			}
			return
		}
	}
}

// Codes of the first message of a PostgreSQL connection.
const (
	protocol3     = 196608   // StartupMessage, protocol 3.0
	sslRequest    = 80877103 // SSLRequest
	gssencRequest = 80877104 // GSSENCRequest
)

// relayStartup forwards the client's startup message to the server and returns its
// parameters; an encryption request is forwarded with the server's one-byte answer first.
// ok is false when the startup could not be read (TLS, a cancel request, a short read); the
// bytes read are forwarded either way, and piping carries on.
func relayStartup(client, server net.Conn) (params map[string]string, ok bool) {
	for range 3 {
		var head [8]byte
		if _, err := io.ReadFull(client, head[:]); err != nil {
			return nil, false
		}
		n := binary.BigEndian.Uint32(head[:4])
		code := binary.BigEndian.Uint32(head[4:])
		if n < 8 || n > 1<<16 {
			_, _ = server.Write(head[:])
			return nil, false
		}
		msg := make([]byte, n)
		copy(msg, head[:])
		if _, err := io.ReadFull(client, msg[8:]); err != nil {
			return nil, false
		}
		if _, err := server.Write(msg); err != nil {
			return nil, false
		}
		switch code {
		case protocol3:
			return startupParams(msg[8:]), true
		case sslRequest, gssencRequest:
			var answer [1]byte
			if _, err := io.ReadFull(server, answer[:]); err != nil {
				return nil, false
			}
			if _, err := client.Write(answer[:]); err != nil || answer[0] != 'N' {
				return nil, false // encrypted from here on
			}
		default:
			return nil, false
		}
	}
	return nil, false
}

// startupParams reads the name/value pairs of a StartupMessage body.
func startupParams(b []byte) map[string]string {
	out := map[string]string{}
	next := func() (string, bool) {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return "", false
		}
		v := string(b[:i])
		b = b[i+1:]
		return v, true
	}
	for {
		k, ok := next()
		if !ok || k == "" { // the list ends with an empty name
			return out
		}
		v, ok := next()
		if !ok {
			return out
		}
		out[k] = v
	}
}

var jitInOptions = regexp.MustCompile(`(^|\s)(-c\s*|--)jit=(off|false|0)(\s|$)`)

// jitOff reports whether startup parameters turn JIT off for the session.
func jitOff(params map[string]string) bool {
	if v, ok := params["jit"]; ok {
		return v == "off" || v == "false" || v == "0"
	}
	return jitInOptions.MatchString(params["options"])
}
