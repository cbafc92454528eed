package server_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// npmPackages are the client libraries the client tests run, pinned.
var npmPackages = []string{"graphql@16.11.0", "graphql-sse@2.6.1", "graphql-ws@6.0.8", "ws@8.18.3"}

var (
	npmOnce sync.Once
	npmDir  string
	npmErr  error
)

// nodeModules installs npmPackages, once, into a cache folder of their own and returns its
// node_modules folder. The test is skipped only when node or npm is not installed.
func nodeModules(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	npmOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		sum := sha256.Sum256([]byte(strings.Join(npmPackages, " ")))
		dir := filepath.Join(cache, "civiclink-test-npm", hex.EncodeToString(sum[:8]))
		npmDir = filepath.Join(dir, "node_modules")
		if _, err := os.Stat(filepath.Join(dir, "installed")); err == nil {
			return
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			npmErr = err
			return
		}
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
		if err != nil {
			npmErr = err
			return
		}
		defer os.RemoveAll(tmp)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		args := append([]string{"install", "--no-save", "--no-audit", "--no-fund", "--silent", "--prefix", tmp}, npmPackages...)
		if out, err := exec.CommandContext(ctx, "npm", args...).CombinedOutput(); err != nil {
			npmErr = &installError{err: err, out: string(out)}
			return
		}
		if err := os.WriteFile(filepath.Join(tmp, "installed"), []byte(strings.Join(npmPackages, "\n")), 0o644); err != nil {
			npmErr = err
			return
		}
		// Another test process may have installed it meanwhile: either copy will do.
		if err := os.Rename(tmp, dir); err != nil {
			if _, statErr := os.Stat(filepath.Join(dir, "installed")); statErr != nil {
				npmErr = err
			}
		}
	})
	if npmErr != nil {
		t.Fatalf("install %v: %v", npmPackages, npmErr)
	}
	return npmDir
}

type installError struct {
	err error
	out string
}

func (e *installError) Error() string { return e.err.Error() + ": " + e.out }

// clientMessage is one line printed by testdata/clients.mjs.
type clientMessage struct {
	Next     json.RawMessage `json:"next"`
	Error    json.RawMessage `json:"error"`
	Closed   json.RawMessage `json:"closed"`
	Complete bool            `json:"complete"`
}

func (m clientMessage) String() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// nodeClient is one run of testdata/clients.mjs.
type nodeClient struct {
	Messages <-chan clientMessage
	stderr   *strings.Builder
}

// runClient runs one operation through the npm graphql-sse (mode "sse") or graphql-ws
// (mode "ws") client against url, until it completes, fails, has seen count results or
// ctx ends; the messages the client reports arrive on the channel, closed when it exits.
func runClient(ctx context.Context, t *testing.T, mode, url string, headers map[string]string, query string, vars map[string]any, count int) *nodeClient {
	t.Helper()
	return runClientWith(ctx, t, mode, url, map[string]any{"headers": headers, "query": query, "variables": vars, "count": count})
}

// runClientWith is runClient with the whole configuration of testdata/clients.mjs.
func runClientWith(ctx context.Context, t *testing.T, mode, url string, config map[string]any) *nodeClient {
	t.Helper()
	modules := nodeModules(t)
	cfg, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", "testdata/clients.mjs", mode, url, string(cfg))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	ch := make(chan clientMessage, 1024)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var m clientMessage
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				ch <- m
			}
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	})
	return &nodeClient{Messages: ch, stderr: stderr}
}
