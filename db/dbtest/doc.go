// Package dbtest gives tests a PostgreSQL server and throw-away databases.
//
// If CIVICLINK_TEST_DATABASE_URL is set (scripts/test.sh sets it to one
// cluster shared by the whole run), that server is used. Otherwise the first
// test that asks starts one ephemeral local cluster (civiclink/internal/pglocal)
// for the whole test process, in a temporary folder, and Main stops and
// removes it after the tests. Every package that uses dbtest must therefore
// have:
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
//
// Typical use, with a migrated and seeded template built once per server:
//
//	func newDB(t *testing.T) string {
//		ctx := t.Context()
//		err := dbtest.EnsureTemplate(ctx, dbtest.URL(t), "civiclink_tmpl_"+migrationsHash, migrateAndSeed)
//		if err != nil {
//			t.Fatal(err)
//		}
//		return dbtest.NewDatabase(t, "civiclink_tmpl_"+migrationsHash)
//	}
//
// Template names should change whenever what the build function does changes
// (for example include a hash of the migrations), because a template that
// already exists on the server is never rebuilt.
package dbtest
