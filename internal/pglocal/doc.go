// Package pglocal launches a private PostgreSQL cluster on the local machine.
//
// It is used by `civiclink serve` when no DATABASE_URL is configured, and by
// tests (see civiclink/db/dbtest). A cluster lives in a data folder of its
// own:
//
//	<DataDir>/pgdata            the cluster (initdb on first use)
//	<DataDir>/log/postgres.log  the server log
//	<DataDir>/secrets/          a 0700 folder for the caller's secret files
//	<DataDir>/secrets/pgpass    the superuser's generated password (0600, password-file format)
//	<DataDir>/port              the TCP port last used, reused on the next start
//
// One process owns a running server: the one whose Start started it (or that
// adopted it because its starter had exited). Every process holding a Cluster
// keeps a shared lock on <DataDir>/.pglocal.users; Release, which commands call
// when they end, stops the server only in its owner and only when no other
// process holds that lock, so a command run beside a serving hub leaves the
// hub's database running. Stop stops the server unconditionally.
//
// The server listens only on 127.0.0.1 and on a unix socket inside pgdata, and
// requires a password (scram-sha-256) on both: the superuser "postgres" has the
// generated one in secrets/pgpass, which URL carries. A cluster made when this
// package still trusted local connections gets the password and the new
// pg_hba.conf at its next Start.
//
// PostgreSQL refuses to run as root. When the current process is root, initdb,
// pg_ctl and postgres are run as the "postgres" OS user (switching credentials
// directly, without sudo), pgdata and the log folder are owned by that user,
// and every folder on the way to DataDir must be enterable by it.
package pglocal
