// Package gctune sets the Go garbage collector for serving GraphQL answers: a request
// allocates its whole answer (megabytes for a page of 100 disputes) and drops it when
// written, so with the runtime's default GOGC of 100 and a live heap of a few tens of
// megabytes the collector runs every few requests and takes a large share of the CPU.
// The hub trades memory for that CPU: GOGC 400, with a soft memory limit that makes the
// collector work harder before the process grows past it. Both apply only where the
// operator has not set the runtime's own GOGC or GOMEMLIMIT.
package gctune

import (
	"log/slog"
	"os"
	"runtime/debug"
)

const (
	// Percent is the GOGC the hub runs with unless GOGC is set.
	Percent = 400
	// MemoryLimit is the soft memory limit (bytes) the hub runs with unless GOMEMLIMIT is set.
	MemoryLimit = 1 << 30
)

// Apply sets Percent and MemoryLimit where the environment (lookup, os.LookupEnv in
// production) sets neither GOGC nor GOMEMLIMIT respectively, and logs what it set.
func Apply(logger *slog.Logger, lookup func(string) (string, bool)) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if _, set := lookup("GOGC"); !set {
		debug.SetGCPercent(Percent)
		logger.Debug("garbage collector", "GOGC", Percent)
	}
	if _, set := lookup("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(MemoryLimit)
		logger.Debug("garbage collector", "GOMEMLIMIT", MemoryLimit)
	}
}
