package gctune

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

// TestApplyKeepsTheOperatorsSettings checks that Apply sets GOGC and the memory limit only
// where the environment does not.
func TestApplyKeepsTheOperatorsSettings(t *testing.T) {
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name      string
		env       map[string]string
		wantGC    int
		wantLimit int64
	}{
		{"neither set", nil, Percent, MemoryLimit},
		{"GOGC set", map[string]string{"GOGC": "100"}, 100, MemoryLimit},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "off"}, Percent, math.MaxInt64},
		{"both set", map[string]string{"GOGC": "100", "GOMEMLIMIT": "off"}, 100, math.MaxInt64},
	}
	for _, tt := range tests {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		Apply(logger, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
		if got := debug.SetGCPercent(100); got != tt.wantGC {
			t.Errorf("%s: GOGC %d after Apply, want %d", tt.name, got, tt.wantGC)
		}
		if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
			t.Errorf("%s: memory limit %d after Apply, want %d", tt.name, got, tt.wantLimit)
		}
	}
}
