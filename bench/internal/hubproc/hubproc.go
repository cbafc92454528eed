// Package hubproc holds what the benchmarks under bench/ need to run civiclink as a separate
// process: a free loopback port, fresh secrets for one run, and the process's memory as the
// kernel reports it.
package hubproc

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Secrets are the keys a civiclink process is started with, fresh and random for each run.
type Secrets struct {
	JWT, PIIHMAC, PIIEnc, Audit string
}

// NewSecrets returns random 32-byte secrets, hex-encoded.
func NewSecrets() Secrets {
	return Secrets{JWT: randomHex(32), PIIHMAC: randomHex(32), PIIEnc: randomHex(32), Audit: randomHex(32)}
}

// Env is s as the environment variables `civiclink serve` and `civiclink seed` read.
func (s Secrets) Env() []string {
	return []string{
		"CIVICLINK_JWT_SECRET=" + s.JWT,
		"CIVICLINK_PII_HMAC_KEY=" + s.PIIHMAC,
		"CIVICLINK_PII_ENC_KEY=" + s.PIIEnc,
		"CIVICLINK_AUDIT_KEY=" + s.Audit,
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// RSS reads the resident set size of process pid now and at its peak (VmRSS and VmHWM of
// /proc/pid/status), in bytes.
func RSS(pid int) (now, peak int64, err error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, fmt.Errorf("read the memory of process %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			now = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return now, peak, sc.Err()
}
