package main

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// countingProxy forwards TCP connections from a loopback port to PostgreSQL and counts round
// trips: a round trip starts each time a client writes after the server has answered (or
// for the first time on a connection). Pipelined messages sent together count once, as the
// client waits for the server only once for them; this is the same for both servers, whatever
// their driver.
type countingProxy struct {
	ln       net.Listener
	upstream string
	trips    atomic.Int64
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
