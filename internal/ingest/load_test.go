package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/report"
)

func load(t *testing.T, db *chstore.DB, cfg Config, paths ...string) Stats {
	t.Helper()
	if cfg.HashKey == nil {
		cfg.HashKey = []byte("test-key")
	}
	st, err := Load(context.Background(), db, paths, cfg)
	if err != nil && !onlyMostlyRejected(err) {
		t.Fatalf("load %v: %v", paths, err)
	}
	return st
}

// onlyMostlyRejected reports whether err says nothing but that files were
// mostly rejected (their lines stored as dead letters all the same): what
// a fixture of bad lines is meant to give.
func onlyMostlyRejected(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !onlyMostlyRejected(e) {
				return false
			}
		}
		return true
	}
	var mr *MostlyRejectedError
	return errors.As(err, &mr)
}

func queryUint(t *testing.T, db *chstore.DB, q string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := db.Conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func queryString(t *testing.T, db *chstore.DB, q string, args ...any) string {
	t.Helper()
	var s string
	if err := db.Conn.QueryRow(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

const (
	fixAccess   = "testdata/access.jsonl"
	fixErrors   = "testdata/errors.jsonl"
	fixCombined = "testdata/combined.log"
	fixGzip     = "testdata/combined.log.gz"
)

// The fixtures' ground truth, worked out by hand from the files.
const (
	wantRequestIDs = 10 // 7 named ids (r-404 logged twice) + 3 synthetic
	wantRejected   = 4  // garbage, bad status, no time, a body without request id
)

func TestLoadOrderAndReloadGiveOneRequestPerID(t *testing.T) {
	orders := map[string][]string{
		"access first":            {fixAccess, fixErrors, fixCombined},
		"errors first":            {fixErrors, fixCombined, fixAccess},
		"gzip copy of a log file": {fixErrors, fixGzip, fixAccess, fixCombined},
	}
	for name, paths := range orders {
		t.Run(name, func(t *testing.T) {
			db := chtest.MigratedDB(t)
			st := load(t, db, Config{}, paths...)
			load(t, db, Config{}, paths...) // a second load changes nothing
			if st.Total.Rejected != wantRejected {
				t.Errorf("rejected %d lines (%v), want %d", st.Total.Rejected, st.Total.Reasons, wantRejected)
			}
			req := db.Table("requests")
			if n := queryUint(t, db, "SELECT uniqExact(request_id) FROM "+req); n != wantRequestIDs {
				t.Errorf("distinct request ids = %d, want %d", n, wantRequestIDs)
			}
			// 4 separately logged bodies, one of them for a request with no access line.
			if n := queryUint(t, db, "SELECT count() FROM (SELECT request_id, kind FROM "+req+" GROUP BY request_id, kind)"); n != wantRequestIDs+3 {
				t.Errorf("distinct (request id, kind) = %d, want %d", n, wantRequestIDs+3)
			}
			if n := queryUint(t, db, "SELECT count() FROM (SELECT source, offset FROM "+db.Table("rejected")+" GROUP BY source, offset)"); n != wantRejected {
				t.Errorf("dead letters = %d, want %d", n, wantRejected)
			}
			// The body logged apart attaches to its request without touching the access fields.
			code := queryString(t, db, "SELECT anyIf(err_code, kind = 2) FROM "+req+" WHERE request_id = 'r-429'")
			method := queryString(t, db, "SELECT anyIf(method, kind = 1) FROM "+req+" WHERE request_id = 'r-429'")
			if code != "rate_limited" || method != "POST" {
				t.Errorf("r-429: body code %q, access method %q; want rate_limited, POST", code, method)
			}
		})
	}
}

func TestLoadNormalises(t *testing.T) {
	db := chtest.MigratedDB(t)
	load(t, db, Config{}, fixAccess, fixErrors, fixCombined)
	req := db.Table("requests")
	f := func(q, want string) {
		t.Helper()
		if got := queryString(t, db, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
	f("SELECT any(route) FROM "+req+" WHERE request_id = 'r-404'", "/v1/vendors/{id}")
	f("SELECT any(route) FROM "+req+" WHERE request_id = 'r-ok-1'", "/v1/bookings/{id}")
	f("SELECT any(partner) FROM "+req+" WHERE request_id = 'r-429'", "globex")
	f("SELECT any(path) FROM "+req+" WHERE request_id = 'r-502'", "/v1/offers/77?api_key=REDACTED")
	f("SELECT any(err_code) FROM "+req+" WHERE request_id = 'r-400' AND kind = 1", "validation_error")
	f("SELECT arrayStringConcat(any(err_field_names), ',') FROM "+req+" WHERE request_id = 'r-400'", "pickupDateTimeUtc")
	f("SELECT any(err_code) FROM "+req+" WHERE request_id = 'r-401' AND kind = 2", "TOKEN_EXPIRED")
	f("SELECT any(format) FROM "+req+" WHERE synthetic = 1", "nginx")
	// A credential becomes a keyed caller id.
	if p := queryString(t, db, "SELECT any(partner) FROM "+req+" WHERE request_id = 'r-401' AND kind = 1"); !strings.HasPrefix(p, "kh-") {
		t.Errorf("r-401 partner %q: want a keyed hash of its bearer token", p)
	}
	if n := queryUint(t, db, "SELECT count() FROM "+req+" WHERE request_id = 'r-429' AND kind = 1 AND retry_after = 30 AND rl_limit = 60 AND rl_remaining = 0"); n != 1 {
		t.Errorf("r-429 rate-limit headers not stored (%d rows match)", n)
	}
	// Two identical lines in one file are two requests; their ids are stable.
	if n := queryUint(t, db, "SELECT uniqExact(request_id) FROM "+req+" WHERE synthetic = 1 AND path = '/health'"); n != 2 {
		t.Errorf("identical health-check lines gave %d requests, want 2", n)
	}
	reasons := map[string]bool{}
	rows, err := db.Conn.Query(context.Background(), "SELECT DISTINCT reason FROM "+db.Table("rejected"))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		reasons[r] = true
	}
	for _, want := range []string{"bad_json", "bad_status", ReasonNoTime, ReasonBodyNoRequestID} {
		if !reasons[want] {
			t.Errorf("no dead letter with reason %q (have %v)", want, reasons)
		}
	}
}

// TestSecretsNeverReachStorage loads lines carrying API keys and bearer
// tokens in every place a log can hold them and scans every string column
// of every table for them.
func TestSecretsNeverReachStorage(t *testing.T) {
	db := chtest.MigratedDB(t)
	load(t, db, Config{}, fixAccess, fixErrors)
	secrets := []string{"sk_live_QUERYSECRET1", "sk_live_HEADERSECRET2", "eyJBEARERSECRET3", "sk_live_DEADLETTERSECRET4", "tok_ERRBODYSECRET5"}
	for _, s := range secrets {
		if !fileContains(t, s, fixAccess, fixErrors) {
			t.Fatalf("fixture lost secret %q: the test would prove nothing", s)
		}
	}
	chtest.AssertNoSecrets(t, db, secrets)
}

func fileContains(t *testing.T, s string, paths ...string) bool {
	t.Helper()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), s) {
			return true
		}
	}
	return false
}

func TestLoadErrorsAreClear(t *testing.T) {
	db := chtest.MigratedDB(t)
	dir := t.TempDir()
	unknown := filepath.Join(dir, "weird.log")
	if err := os.WriteFile(unknown, []byte("hello world\nsecond line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		path string
		want string
	}{
		"missing file": {filepath.Join(dir, "nope.log"), "no such file"},
		"directory":    {dir, "is a directory"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(context.Background(), db, []string{c.path}, Config{HashKey: []byte("k")})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
				t.Fatalf("err = %v, want one naming %s and saying %q", err, c.path, c.want)
			}
		})
	}
	// A file no format fits is read line by line (issue 9): its lines are
	// dead letters; with a format given, too. Mostly rejected, the load
	// says so (issue 8): a MostlyRejectedError, the lines stored all the same.
	var mr *MostlyRejectedError
	st, err := Load(context.Background(), db, []string{unknown}, Config{HashKey: []byte("k")})
	if !errors.As(err, &mr) || st.Total.Rejected != 2 || st.Total.Reasons["unknown_format"] != 2 || st.Files[0].Format != accesslog.FormatMixed {
		t.Fatalf("undetectable file: format %v, rejected %d (%v), err %v; want mixed, 2 unknown_format dead letters and a MostlyRejectedError",
			st.Files[0].Format, st.Total.Rejected, st.Total.Reasons, err)
	}
	st, err = Load(context.Background(), db, []string{unknown}, Config{HashKey: []byte("k"), Format: accesslog.FormatNginx})
	if !errors.As(err, &mr) || st.Total.Rejected != 2 || !strings.Contains(err.Error(), "2 of 2 lines rejected (bad_nginx_line 2) reading it as nginx; is it the right --format?") {
		t.Fatalf("forced nginx format: rejected %d, err %v; want 2 dead letters and a MostlyRejectedError", st.Total.Rejected, err)
	}
}

func TestLoadStdinAndLongLines(t *testing.T) {
	db := chtest.MigratedDB(t)
	long := `{"time":"2026-11-20T10:00:00Z","request_id":"r-long","method":"GET","path":"/` + strings.Repeat("a", 2<<20) + `","status":200}`
	ok := `{"time":"2026-11-20T10:00:00Z","request_id":"r-after","method":"GET","path":"/x","status":200}`
	invalid := "{\"time\":\"2026-11-20T10:00:00Z\",\"request_id\":\"r-utf8\",\"method\":\"GET\",\"path\":\"/\xff\xfe\",\"status\":200}"
	// Just under the 1 MiB limit: parses like any other line.
	big := `{"time":"2026-11-20T10:00:00Z","request_id":"r-big","method":"GET","path":"/big","status":200,"user_agent":"` + strings.Repeat("u", 1<<20-150) + `"}`
	if len(big) > DefaultMaxLineBytes {
		t.Fatalf("test line of %d bytes is over the limit", len(big))
	}
	in := strings.NewReader(long + "\n" + ok + "\n" + invalid + "\n" + big + "\n")
	st, err := Load(context.Background(), db, []string{"-"}, Config{HashKey: []byte("k"), Stdin: in, Format: accesslog.FormatJSONL, Now: func() time.Time { return time.Unix(1763632800, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.Rejected != 1 || st.Total.Reasons[ReasonTooLong] != 1 || st.Total.Access != 3 {
		t.Fatalf("stats %+v: want the 2 MiB line rejected as too long and 3 requests stored", st.Total)
	}
	if n := queryUint(t, db, "SELECT max(length(user_agent)) FROM "+db.Table("requests")+" WHERE request_id = 'r-big'"); n != 1<<20-150 {
		t.Errorf("the line just under 1 MiB stored a user agent of %d bytes", n)
	}
	if n := queryUint(t, db, "SELECT max(length(raw)) FROM "+db.Table("rejected")); n > 4096 {
		t.Errorf("dead letter keeps %d bytes, want at most 4096", n)
	}
	if s := queryString(t, db, "SELECT any(source) FROM "+db.Table("rejected")); s != StdinName {
		t.Errorf("stdin source named %q", s)
	}
}

// TestRejectedLinesAfterRewrite: a file rewritten in place (copytruncate)
// holds new lines at old offsets; a rejected new line is not mistaken for
// the old one, while reloading the same content counts nothing twice.
func TestRejectedLinesAfterRewrite(t *testing.T) {
	db := chtest.MigratedDB(t)
	path := filepath.Join(t.TempDir(), "gw.jsonl")
	good := `{"time":"2026-11-20T10:00:00Z","request_id":"r-1","method":"GET","path":"/x","status":200}` + "\n"
	for _, garbage := range []string{"garbage one\n", "garbage two\n", "garbage two\n"} {
		if err := os.WriteFile(path, []byte(good+garbage), 0o644); err != nil {
			t.Fatal(err)
		}
		load(t, db, Config{Format: accesslog.FormatJSONL}, path)
	}
	s, err := report.Summarize(context.Background(), chquery.New(db), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if s.RejectedLines != 2 || s.Requests != 1 {
		t.Fatalf("rejected_lines = %d, requests = %d; want 2 distinct rejected lines and 1 request", s.RejectedLines, s.Requests)
	}
}
