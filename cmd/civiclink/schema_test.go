package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommittedSchemaIsCurrent is the CI check that the committed schema.graphql, which
// front-end teams generate code from, is the schema the hub serves.
func TestCommittedSchemaIsCurrent(t *testing.T) {
	var got bytes.Buffer
	if err := printSchema(&got); err != nil {
		t.Fatalf("print schema: %v", err)
	}
	var again bytes.Buffer
	if err := printSchema(&again); err != nil || !bytes.Equal(got.Bytes(), again.Bytes()) {
		t.Fatal("civiclink schema prints different SDL on a second run; the output must be deterministic")
	}
	if !strings.Contains(got.String(), "type Query") || !strings.Contains(got.String(), "caseStats(") {
		t.Fatalf("printed SDL lacks the Query type:\n%.500s", got.String())
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", schemaFile))
	if err != nil {
		t.Fatalf("read the committed %s: %v; run: go run ./cmd/civiclink schema > %s", schemaFile, err, schemaFile)
	}
	if !bytes.Equal(committed, got.Bytes()) {
		t.Fatalf("%s is not the current schema: run `go run ./cmd/civiclink schema > %s` and commit it", schemaFile, schemaFile)
	}
}
