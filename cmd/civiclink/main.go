// Command civiclink runs the CivicLink hub: one GraphQL API over the street office's and the
// police station's records. `civiclink help` lists its commands; `civiclink help COMMAND`
// (or `civiclink COMMAND -h`) shows one command's flags.
//
// Without DATABASE_URL, every command uses a private PostgreSQL cluster in the data folder.
// The process that starts that cluster owns it and stops it when it ends; every other
// command reuses it and leaves it running.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	// SIGHUP (the terminal closing) stops the hub as cleanly as Ctrl-C and SIGTERM do.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "civiclink: %v\n", err)
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for a usage error, 1 for anything else.
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// usageError is a command line that cannot be run; main exits 2 for it.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// command is one civiclink subcommand.
type command struct {
	name    string
	args    string // synopsis after the name, e.g. "[flags] FILE…"
	summary string
	// run parses args with its own flag set (see parse) and runs the command.
	run func(ctx context.Context, out io.Writer, args []string) error
}

// commands lists every subcommand in the order help prints them.
var commands []command

func init() {
	commands = []command{
		{"serve", "[flags]", "serve the API and playground (the default command)", serve},
		{"migrate", "[flags]", "apply the database migrations", migrate},
		{"seed", "[flags]", "load deterministic demo data into an empty database", seedCmd},
		{"schema", "", "print the GraphQL schema as SDL", schemaCmd},
		{"persisted", "add|list [flags] [FILE…]", "register operations for CIVICLINK_PERSISTED_QUERIES=only", persistedCmd},
		{"audit", "verify [flags]", "verify the access log's hash chain", auditCmd},
		{"apikey", "create|list|revoke [flags]", "manage API keys for scripts and BI tools", apikeyCmd},
		{"version", "", "print the module version and VCS commit (also --version)", versionCmd},
		{"help", "[COMMAND]", "list the commands, or show one command's flags", helpCmd},
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	name := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			return helpCmd(ctx, out, nil)
		case a == "-version" || a == "--version":
			return versionCmd(ctx, out, nil)
		case a != "" && a[0] != '-':
			name, args = a, args[1:]
		}
	}
	for _, c := range commands {
		if c.name == name {
			err := c.run(ctx, out, args)
			if errors.Is(err, flag.ErrHelp) {
				return nil // the flag set printed the command's help
			}
			return err
		}
	}
	return usageError{fmt.Sprintf("unknown command %q; `civiclink help` lists the commands", name)}
}

// helpCmd prints the command list, or one command's help.
func helpCmd(ctx context.Context, out io.Writer, args []string) error {
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] && c.name != "help" {
				err := c.run(ctx, out, []string{"-h"})
				if errors.Is(err, flag.ErrHelp) {
					return nil
				}
				return err
			}
		}
		return usageError{fmt.Sprintf("unknown command %q; `civiclink help` lists the commands", args[0])}
	}
	var b strings.Builder
	b.WriteString("CivicLink: one GraphQL API over the street office's and the police station's records.\n\n")
	b.WriteString("Usage: civiclink COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\n`civiclink COMMAND -h` shows a command's flags. Every flag is also an environment variable\n")
	b.WriteString("(README.md, Configuration). Without DATABASE_URL, commands use the private PostgreSQL cluster\n")
	b.WriteString("in ./.civiclink, starting it when needed; a running hub's cluster is reused and left running.\n")
	_, err := io.WriteString(out, b.String())
	return err
}

// newFlags returns the flag set of a command, printing its usage to out on -h.
func newFlags(out io.Writer, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("civiclink "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: civiclink %s %s\n\n%s\n", name, synopsis, about)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(out, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses flags interspersed with positional arguments ("add a.graphql -data-dir x
// b.graphql") and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// noArgs fails when a command that takes none got positional arguments.
func noArgs(fs *flag.FlagSet, positional []string) error {
	if len(positional) > 0 {
		return usageError{fmt.Sprintf("%s takes no arguments, got %q", fs.Name(), positional)}
	}
	return nil
}
