package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// readmeBlock is one fenced code block of README.md.
type readmeBlock struct {
	lang, text string
	line       int    // line of the opening fence
	skip       string // reason given by a preceding <!-- readme-test: skip REASON --> comment
}

var skipComment = regexp.MustCompile(`^<!-- readme-test: skip (.+) -->$`)

// asRole is a GraphQL block's "# As ROLE …" comment: the block runs with that role's
// development token instead of ADMIN's.
var asRole = regexp.MustCompile(`(?m)^# As ([A-Z_]+)\b`)

// readmeBlocks returns README.md's fenced code blocks in order.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	skip := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimPrefix(line, "```"), line: n, skip: skip}
			skip = ""
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		default:
			if m := skipComment.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
				skip = m[1]
			} else if strings.TrimSpace(line) != "" {
				skip = ""
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestREADMERunsAsWritten runs every code block of README.md against a hub over demo data
// at scale 1, the data `make run` seeds: each GraphQL query and mutation must answer
// without errors (with ADMIN's development token, or the role a "# As ROLE" comment names), each subscription must deliver an event once
// the mutations ran, and the shell blocks (curl lines with their credentials, civiclink
// commands) run in one bash session as a reader would type them, with curl failing on any
// HTTP error. A block that cannot run here (make run itself, benchmarks) says why in a
// <!-- readme-test: skip … --> comment above it.
func TestREADMERunsAsWritten(t *testing.T) {
	blocks := readmeBlocks(t)
	hub := hubtest.New(t, hubtest.Options{SeedScale: 1})
	var queries, subscriptions []readmeBlock
	var shell []string
	for _, b := range blocks {
		if b.skip != "" {
			t.Logf("README.md:%d (%s) skipped: %s", b.line, b.lang, b.skip)
			continue
		}
		switch b.lang {
		case "graphql":
			if strings.HasPrefix(strings.TrimSpace(stripComments(b.text)), "subscription") {
				subscriptions = append(subscriptions, b)
			} else {
				queries = append(queries, b)
			}
		case "sh":
			shell = append(shell, fmt.Sprintf("echo '### README.md:%d' >&2\n%s", b.line, b.text))
		default:
			t.Errorf("README.md:%d: a %q block; the README test runs graphql and sh blocks, mark others with <!-- readme-test: skip REASON -->", b.line, b.lang)
		}
	}
	if len(queries) < 4 || len(subscriptions) < 1 || len(shell) < 2 {
		t.Fatalf("expected README's queries, mutations, subscription and shell examples, found %d, %d and %d", len(queries), len(subscriptions), len(shell))
	}

	events := make([]chan string, len(subscriptions))
	for i, s := range subscriptions {
		events[i] = subscribe(t, hub, s)
	}
	scopes := devScopes(t.Context(), hub.Pool)
	for _, q := range queries {
		client := hub
		if m := asRole.FindStringSubmatch(q.text); m != nil {
			client = hub.As(t, m[1], scopes[m[1]]) // the development token make run prints for that role
		}
		res := client.Query(t, q.text, nil)
		if res.Status != http.StatusOK || len(res.Errors) > 0 || len(res.Data) == 0 || string(res.Data) == "null" {
			t.Errorf("README.md:%d: expected data and no errors, got %d: %.600s", q.line, res.Status, res.Raw)
		}
	}
	for i, s := range subscriptions {
		select {
		case ev := <-events[i]:
			t.Logf("README.md:%d delivered %.200s", s.line, ev)
		case <-time.After(30 * time.Second):
			t.Errorf("README.md:%d: expected the subscription to deliver an event after README's mutations, got none in 30 s", s.line)
		}
	}

	runShell(t, hub, strings.Join(shell, "\n"))
}

// stripComments drops # comment lines.
func stripComments(s string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// subscribe runs a subscription over server-sent events and passes on each event's data.
func subscribe(t *testing.T, hub *hubtest.Hub, b readmeBlock) chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	body := fmt.Sprintf(`{"query": %q}`, b.text)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub.Server.URL+"/graphql", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+hub.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("README.md:%d: subscribe: %v", b.line, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("README.md:%d: subscribe: expected 200, got %d", b.line, resp.StatusCode)
	}
	out := make(chan string, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.Contains(data, `"data"`) && !strings.Contains(data, `"errors"`) {
				out <- data
			} else if ok && strings.Contains(data, `"errors"`) {
				out <- "errors: " + data
			}
		}
	}()
	// The subscription is registered once the stream is open; give the broker a moment.
	time.Sleep(200 * time.Millisecond)
	return out
}

// runShell runs README's shell blocks in one bash session with the hub at localhost:8080,
// `civiclink` and `.civiclink/bin/civiclink` the built command over the hub's database, and
// curl failing on HTTP errors.
func runShell(t *testing.T, hub *hubtest.Hub, script string) {
	t.Helper()
	bin := civiclinkBinary(t)
	dir := t.TempDir()
	realCurl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("the README test needs curl: %v", err)
	}
	wrappers := map[string]string{
		"curl":      fmt.Sprintf("#!/bin/sh\nexec %s --fail-with-body -sS \"$@\"\n", realCurl),
		"civiclink": fmt.Sprintf("#!/bin/sh\nexec %s \"$@\"\n", bin),
	}
	for name, text := range wrappers {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script = strings.ReplaceAll(script, "http://localhost:8080", hub.Server.URL)
	script = strings.ReplaceAll(script, ".civiclink/bin/civiclink", filepath.Join(dir, "civiclink"))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = "../.."
	cmd.Env = cleanEnv("PATH="+dir+":"+os.Getenv("PATH"), "DATABASE_URL="+hub.URL,
		"CIVICLINK_PII_HMAC_KEY="+strings.Repeat("07", 32), "CIVICLINK_PII_ENC_KEY="+strings.Repeat("09", 32),
		"CIVICLINK_LOG_LEVEL=warn")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("README's shell blocks: expected every line to succeed, got %v; the block that failed is the last one named:\n%s", err, out)
	}
}

// TestReferCaseTabRuns: the playground's ReferCase tab carries working variables: with the
// POLICE_OFFICER development token, on the demo data make run seeds, it refers a live case
// (and a rerun returns the same dispute, by its idempotency key).
func TestReferCaseTabRuns(t *testing.T) {
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	hub := hubtest.New(t, hubtest.Options{SeedScale: 1})
	officer := hub.As(t, auth.PoliceOfficer, devScopes(t.Context(), hub.Pool)[auth.PoliceOfficer])
	for _, e := range examples {
		if e.Name != "refer-case" {
			continue
		}
		var vars map[string]any
		if err := json.Unmarshal([]byte(e.Variables), &vars); err != nil {
			t.Fatalf("refer-case variables %q: %v", e.Variables, err)
		}
		for range 2 {
			if res := officer.Query(t, e.Query, vars); len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"REFERRED"`) {
				t.Fatalf("expected the ReferCase tab to refer its case, got %d: %.500s", res.Status, res.Raw)
			}
		}
		return
	}
	t.Fatal("no refer-case example")
}
