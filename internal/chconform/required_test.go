//go:build !chdb

package chconform

import (
	"os"
	"testing"
)

// EnvRequire names the variable that makes the chDB suite mandatory (as
// CI=true does): .ci/run sets it, so a run that left the suite out fails
// instead of passing silently.
const EnvRequire = "RATESCOPE_REQUIRE_CHDB"

func TestSuiteBuilt(t *testing.T) {
	if os.Getenv(EnvRequire) != "" || os.Getenv("CI") == "true" {
		t.Fatalf("%s is set but the chDB conformance suite was not built: run `make test` "+
			"(it fetches libchdb.so with scripts/chdb-fetch.sh and passes -tags chdb)", EnvRequire)
	}
	t.Log("chDB conformance suite not built (no -tags chdb); `make test` runs it")
}
