package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// versionCmd prints the module version and the VCS commit the binary was built from.
func versionCmd(_ context.Context, out io.Writer, args []string) error {
	if len(args) > 0 {
		return usageError{"civiclink version takes no arguments"}
	}
	_, err := fmt.Fprintln(out, versionString())
	return err
}

// versionString is "civiclink <module version> (commit <rev>[+dirty], <time>, <go version>)"
// from the build information the Go toolchain stamps into the binary. `go build` stamps the
// commit (Go cannot in a linked git worktree, nor with -buildvcs=false); `go run` does not.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "civiclink (no build information)"
	}
	return describeBuild(info)
}

// describeBuild formats the version line from build information.
func describeBuild(info *debug.BuildInfo) string {
	var rev, at, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	commit := "commit unknown (built without VCS stamping, e.g. by go run)"
	if rev != "" {
		commit = "commit " + rev + modified
		if at != "" {
			commit += ", " + at
		}
	}
	return fmt.Sprintf("civiclink %s (%s, %s)", info.Main.Version, commit, info.GoVersion)
}
