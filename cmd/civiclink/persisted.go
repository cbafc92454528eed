package main

import (
	"context"
	"errors"
	"fmt"

	"civiclink/internal/persisted"
)

// persistedCmd manages the registered operations of CIVICLINK_PERSISTED_QUERIES=only:
//
//	civiclink persisted add [flags] FILE…   register the operations of .graphql/.gql files
//	                                        and Apollo or hash→query .json manifests
//	civiclink persisted list [flags]        print hash and name of every registered operation
func persistedCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: civiclink persisted add FILE… | civiclink persisted list")
	}
	sub, rest := args[0], args[1:]
	var flags, files []string
	for i := 0; i < len(rest); i++ {
		if a := rest[i]; len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			// Flags of the form "-name value" take the next argument as value.
			if i+1 < len(rest) && !containsEq(a) && !isBoolFlag(a) {
				i++
				flags = append(flags, rest[i])
			}
			continue
		}
		files = append(files, rest[i])
	}
	switch sub {
	case "add":
		if len(files) == 0 {
			return errors.New("civiclink persisted add: name at least one .graphql, .gql or .json file")
		}
		var batches [][]persisted.Operation
		for _, f := range files {
			ops, err := persisted.ParseFile(f)
			if err != nil {
				return err
			}
			batches = append(batches, ops)
		}
		env, err := open(ctx, "civiclink persisted add", flags)
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
				fmt.Printf("%s  %s\n", op.Hash, op.Name)
			}
			env.logger.Info("registered operations", "file", files[i], "operations", len(ops), "new", added)
		}
		return nil
	case "list":
		env, err := open(ctx, "civiclink persisted list", flags)
		if err != nil {
			return err
		}
		defer env.close()
		ops, err := persisted.NewStore(env.pool).List(ctx)
		if err != nil {
			return err
		}
		for _, op := range ops {
			fmt.Printf("%s  %s\n", op.Hash, op.Name)
		}
		return nil
	default:
		return fmt.Errorf("unknown persisted command %q (want add or list)", sub)
	}
}

func containsEq(flag string) bool {
	for _, c := range flag {
		if c == '=' {
			return true
		}
	}
	return false
}

func isBoolFlag(flag string) bool {
	switch flag {
	case "-introspection", "--introspection", "-trust-forwarded", "--trust-forwarded", "-h", "-help", "--help":
		return true
	}
	return false
}
