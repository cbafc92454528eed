package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// floorResult is one pgbench run of the single SQL statement that builds the whole answer.
type floorResult struct {
	tps     float64
	latency time.Duration // average
}

var (
	reTPS     = regexp.MustCompile(`tps = ([\d.]+) \(without initial connection time\)`)
	reLatAvg  = regexp.MustCompile(`latency average = ([\d.]+) ms`)
	rlsPrefix = "civiclink."
)

// noJIT is the PGOPTIONS that turn JIT off, as the hub's connections run (dbpool): the
// policies' many never-run branches make estimates large enough to compile short statements.
// PostGraphile's and the floor's sessions get it too, so all three pay the same planner.
const noJIT = "-c jit=off"

// rlsOptions are the PGOPTIONS that make a session act as the hub's row-security role with
// the settings PostGraphile's config gives each request (role, empty scope), without JIT.
func rlsOptions(role string) string {
	opts := []string{noJIT, "-c role=civiclink_app", "-c " + rlsPrefix + "role=" + role}
	for _, s := range []string{"station", "officer", "mediator", "grids", "communities", "committees"} {
		opts = append(opts, "-c "+rlsPrefix+s+"=")
	}
	return strings.Join(opts, " ")
}

// runFloor runs script through pgbench with c clients for d, as role under row security.
func runFloor(ctx context.Context, dbURL, script, role string, c int, d time.Duration) (floorResult, error) {
	cmd := exec.CommandContext(ctx, "pgbench", "-n", "-f", script, "-c", strconv.Itoa(c), "-j", strconv.Itoa(min(c, 2)),
		"-T", strconv.Itoa(int(d.Seconds())), dbURL)
	cmd.Env = append(os.Environ(), "PGOPTIONS="+rlsOptions(role))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return floorResult{}, fmt.Errorf("pgbench: %w: %s", err, out)
	}
	tps, lat := reTPS.FindSubmatch(out), reLatAvg.FindSubmatch(out)
	if tps == nil || lat == nil {
		return floorResult{}, fmt.Errorf("unexpected pgbench output:\n%s", out)
	}
	var r floorResult
	r.tps, _ = strconv.ParseFloat(string(tps[1]), 64)
	ms, _ := strconv.ParseFloat(string(lat[1]), 64)
	r.latency = time.Duration(ms * float64(time.Millisecond))
	return r, nil
}
