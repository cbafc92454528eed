package main

import (
	"context"
	"fmt"
	"io"

	"civiclink/internal/config"
	"civiclink/internal/persisted"
)

// persistedCmd manages the registered operations of CIVICLINK_PERSISTED_QUERIES=only:
//
//	civiclink persisted add [flags] FILE…   register the operations of .graphql/.gql files
//	                                        and Apollo or hash→query .json manifests
//	civiclink persisted list [flags]        print hash and name of every registered operation
func persistedCmd(ctx context.Context, out io.Writer, args []string) error {
	const synopsis = "add [flags] FILE… | list [flags]"
	const about = "add registers the operations of .graphql/.gql files and of Apollo or {\"<sha256>\": \"query …\"}\n" +
		".json manifests; list prints the hash and name of every registered operation."
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	subSynopsis, ok := map[string]string{"add": "[flags] FILE…", "list": "[flags]"}[sub]
	if !ok {
		newFlags(out, "persisted", synopsis, about).Usage()
		if sub == "" || sub == "-h" || sub == "-help" || sub == "--help" {
			return nil
		}
		return usageError{fmt.Sprintf("unknown persisted command %q (want add or list)", sub)}
	}
	fs := newFlags(out, "persisted "+sub, subSynopsis, about)
	files, cfg, err := commandFlags(fs, args, config.Database)
	if err != nil {
		return err
	}
	if sub == "list" {
		if err := noArgs(fs, files); err != nil {
			return err
		}
		env, err := open(ctx, cfg)
		if err != nil {
			return err
		}
		defer env.close()
		ops, err := persisted.NewStore(env.pool).List(ctx)
		if err != nil {
			return fmt.Errorf("list persisted operations: %w", err)
		}
		for _, op := range ops {
			fmt.Fprintf(out, "%s  %s\n", op.Hash, op.Name)
		}
		return nil
	}
	if len(files) == 0 {
		return usageError{"civiclink persisted add: name at least one .graphql, .gql or .json file"}
	}
	var batches [][]persisted.Operation
	for _, f := range files {
		ops, err := persisted.ParseFile(f)
		if err != nil {
			return err
		}
		batches = append(batches, ops)
	}
	env, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.close()
	store := persisted.NewStore(env.pool)
	for i, ops := range batches {
		added, err := store.Add(ctx, files[i], ops)
		if err != nil {
			return fmt.Errorf("%s: %w", files[i], err)
		}
		for _, op := range ops {
			fmt.Fprintf(out, "%s  %s\n", op.Hash, op.Name)
		}
		env.logger.Info("registered operations", "file", files[i], "operations", len(ops), "new", added)
	}
	return nil
}
