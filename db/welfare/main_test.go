package welfare_test

import (
	"os"
	"testing"

	"civiclink/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
