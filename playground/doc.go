// Package playground serves an offline GraphQL playground for CivicLink: a
// full-window GraphiQL page with the contract queries preloaded as tabs.
//
// Everything the page needs is embedded in the binary and served by
// [Handler], so the playground works without network access to any CDN:
//
//   - assets/graphiql.min.js and graphiql.min.css: the GraphiQL 4.1.2 UMD
//     browser build (the last GraphiQL release line that ships one; 5.x is
//     ESM-only and needs a bundler or an import map with a CDN);
//   - assets/react.production.min.js and react-dom.production.min.js: the
//     React 18.3.1 UMD builds GraphiQL 4's UMD build expects as the React and
//     ReactDOM globals (React 19 ships no UMD builds);
//   - assets/graphiql-plugin-explorer.umd.js and .css: the
//     @graphiql/plugin-explorer 4.0.6 query builder, which reads GraphiQL.React
//     and GraphiQL.GraphQL from the GraphiQL UMD build;
//   - assets/boot.js and playground.css: the page's own script and style;
//   - assets/LICENSES: the licence of every vendored package, and of the
//     third-party code bundled inside graphiql.min.js.
//
// The vendored files are byte-for-byte copies of the npm packages' files;
// ASSETS.md beside this file says where each comes from and how to update
// them.
//
// The built-in examples are the contract queries (examples/*.graphql, kept
// byte-identical to the design's queries) with default variables in
// examples/NAME.variables.json; [Examples] loads them.
//
// Typical use:
//
//	examples, err := playground.Examples()
//	if err != nil { ... }
//	mux.Handle("/graphql", graphqlHandler)
//	mux.Handle("/", playground.Handler("/graphql", examples))
package playground
