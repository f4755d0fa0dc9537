// Package chconform is the conformance suite of ratescope's read SQL: it
// runs every statement the reports send on Debian's ClickHouse 18.16 (the
// test server) and on a current ClickHouse — chDB 26.7, ClickHouse built
// as a library — over the same rows, and requires the same rows back.
//
// The suite is test-only and built with the tag chdb, because chdb-go's
// package init panics when libchdb.so is missing: `make test` fetches the
// library (scripts/chdb-fetch.sh) and passes the tag, plain `go test ./...`
// leaves the suite out, and under CI (RATESCOPE_REQUIRE_CHDB=1) a build
// without the tag fails (required_test.go) instead of skipping.
package chconform
