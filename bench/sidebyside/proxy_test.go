package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// startup builds a protocol 3.0 StartupMessage with params (name, value, name, value, …).
func startup(params ...string) []byte {
	var body bytes.Buffer
	for _, p := range params {
		body.WriteString(p)
		body.WriteByte(0)
	}
	body.WriteByte(0)
	msg := binary.BigEndian.AppendUint32(nil, uint32(8+body.Len()))
	msg = binary.BigEndian.AppendUint32(msg, protocol3)
	return append(msg, body.Bytes()...)
}

// TestRelayStartup reads the sessions' JIT setting from their startup messages as the hub
// (a startup parameter), PostGraphile and pgbench (PGOPTIONS) send them, after an SSL
// request the server declines, and forwards every byte unchanged.
func TestRelayStartup(t *testing.T) {
	tests := []struct {
		name   string
		ssl    bool
		params []string
		jitOff bool
	}{
		{"hub: a startup parameter", false, []string{"user", "postgres", "jit", "off", "database", "d"}, true},
		{"PGOPTIONS among others", false, []string{"user", "postgres", "options", "-c role=civiclink_app -c jit=off -c civiclink.station="}, true},
		{"PGOPTIONS after an SSL request", true, []string{"user", "postgres", "options", "-c jit=off"}, true},
		{"--jit=off", false, []string{"options", "--jit=off"}, true},
		{"no setting", false, []string{"user", "postgres", "database", "d"}, false},
		{"jit on", false, []string{"options", "-c jit=on"}, false},
		{"an empty value last", false, []string{"user", "postgres", "application_name", ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clientSide, proxyClient := net.Pipe()
			proxyServer, serverSide := net.Pipe()
			var sent []byte
			if tt.ssl {
				sent = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), sslRequest)
			}
			msg := startup(tt.params...)
			go func() {
				if tt.ssl {
					_, _ = clientSide.Write(sent)
					var answer [1]byte
					_, _ = io.ReadFull(clientSide, answer[:])
				}
				_, _ = clientSide.Write(msg)
			}()
			got := make(chan []byte, 1)
			go func() {
				want := len(sent) + len(msg)
				b := make([]byte, 0, want)
				buf := make([]byte, want)
				for len(b) < want {
					n, err := serverSide.Read(buf)
					b = append(b, buf[:n]...)
					if len(b) == len(sent) && tt.ssl {
						_, _ = serverSide.Write([]byte{'N'})
					}
					if err != nil {
						break
					}
				}
				got <- b
			}()
			params, ok := relayStartup(proxyClient, proxyServer)
			if !ok {
				t.Fatal("the startup message was not read")
			}
			if fwd := <-got; !bytes.Equal(fwd, append(sent, msg...)) {
				t.Errorf("the server got %q, want the client's bytes unchanged %q", fwd, append(sent, msg...))
			}
			if jitOff(params) != tt.jitOff {
				t.Errorf("jitOff(%v) = %v, want %v", params, !tt.jitOff, tt.jitOff)
			}
		})
	}
}

// TestTreeCPUCountsExitedChildren: the CPU of a child that has exited and been waited for
// still counts in its parent's tree (as a backend's in the postmaster's), so the figure does
// not fall when a backend exits between two readings.
func TestTreeCPUCountsExitedChildren(t *testing.T) {
	before := treeCPU(os.Getpid())
	child := exec.Command("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	used := child.ProcessState.UserTime() + child.ProcessState.SystemTime()
	if used < 50*time.Millisecond {
		t.Skipf("the child used only %v of CPU; too little to compare", used)
	}
	if got := treeCPU(os.Getpid()) - before; got < used-2*time.Second/clockTicks {
		t.Errorf("the tree's CPU grew by %v while a child used %v and exited, want at least the child's", got, used)
	}
}
