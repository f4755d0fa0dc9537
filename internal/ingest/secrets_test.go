package ingest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chtest"
)

// secretCorpus is a set of log files carrying every credential form a
// hostile test found in storage, and more: query parameters on no list,
// a second '?', fragments, brackets and percent-encoded names, user:pass@
// in URIs, explicit routes with query strings, user agents holding bearer
// tokens and key=value pairs, error bodies echoing the query string's key
// or holding key/jwt/sessionid/private_key, lines rejected whole (single-
// quoted dicts, JSON escaped in a string, referers with ?code=), an
// over-long line. Every credential value holds a marker LEAKnn.
var secretCorpus = []string{
	"testdata/secrets/access.jsonl",
	"testdata/secrets/errors.jsonl",
	"testdata/secrets/bad.jsonl",
	"testdata/secrets/combined.log",
}

var markerRE = regexp.MustCompile(`LEAK[0-9]+`)

// corpusMarkers returns the distinct markers in paths.
func corpusMarkers(t *testing.T, paths ...string) []string {
	t.Helper()
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, markerRE.FindAllString(string(b), -1)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestSecretCorpusNeverReachesStorage loads the corpus — in its own
// format each file, the over-long line included — and scans every string
// column of every table, dead letters too, for every marker.
func TestSecretCorpusNeverReachesStorage(t *testing.T) {
	db := chtest.MigratedDB(t)
	long := filepath.Join(t.TempDir(), "long.jsonl")
	if err := os.WriteFile(long, []byte(`{"time":"2026-11-20T11:02:00Z","path":"/x?api_key=LEAK89aa","user_agent":"`+strings.Repeat("u", 2<<20)+`"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := append(slices.Clone(secretCorpus), long)
	markers := corpusMarkers(t, paths...)
	if len(markers) < 80 {
		t.Fatalf("the corpus holds %d markers: it lost some, the test would prove less", len(markers))
	}
	st := load(t, db, Config{}, paths...)
	// The corpus must be stored, not just rejected, for the scan to mean
	// anything: only the lines of bad.jsonl, the bad status and the long
	// line are dead letters.
	if st.Total.Access < 40 || st.Total.ErrorBodies < 2 || st.Total.Rejected < 12 {
		t.Fatalf("stored %d access records, %d bodies, %d rejects (%v): want the corpus mostly stored", st.Total.Access, st.Total.ErrorBodies, st.Total.Rejected, st.Total.Reasons)
	}
	chtest.AssertNoSecrets(t, db, markers)
}
