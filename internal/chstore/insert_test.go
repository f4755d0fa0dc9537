package chstore_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/errbody"
)

// requestRow is one row of the requests table as read back.
type requestRow struct {
	Time             time.Time
	TimeMs           int64
	RequestID        string
	Kind             uint8
	Synthetic        uint8
	Method           string
	Path             string
	Route            string
	Status           uint16
	Partner          string
	ClientIP         string
	LatencyMs        float32
	BytesSent        int64
	UserAgent        string
	IdempotencyKey   string
	RetryAfter       int32
	RLLimit          int64
	RLRemaining      int64
	RLReset          int64
	ErrorType        string
	ResponseFlags    string
	ErrShape         string
	ErrCode          string
	ErrMessage       string
	ErrDetails       string
	ErrFieldNames    []string
	ErrFieldMessages []string
	ErrRetryAfter    int32
	ErrStatus        uint16
	ErrRaw           string
	Format           string
	Source           string
	Offset           uint64
	IngestedAt       time.Time
}

const requestCols = "time, time_ms, request_id, kind, synthetic, method, path, route, status, partner, client_ip, " +
	"latency_ms, bytes_sent, user_agent, idempotency_key, retry_after, rl_limit, rl_remaining, rl_reset, " +
	"error_type, response_flags, err_shape, err_code, err_message, err_details, err_field_names, " +
	"err_field_messages, err_retry_after, err_status, err_raw, format, source, offset, ingested_at"

func readRequests(t *testing.T, db *chstore.DB) []requestRow {
	t.Helper()
	rows, err := db.Conn.Query(testContext(t), "SELECT "+requestCols+" FROM "+db.Table("requests")+" ORDER BY request_id, kind")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []requestRow
	for rows.Next() {
		var r requestRow
		err := rows.Scan(&r.Time, &r.TimeMs, &r.RequestID, &r.Kind, &r.Synthetic, &r.Method, &r.Path, &r.Route,
			&r.Status, &r.Partner, &r.ClientIP, &r.LatencyMs, &r.BytesSent, &r.UserAgent, &r.IdempotencyKey,
			&r.RetryAfter, &r.RLLimit, &r.RLRemaining, &r.RLReset, &r.ErrorType, &r.ResponseFlags, &r.ErrShape,
			&r.ErrCode, &r.ErrMessage, &r.ErrDetails, &r.ErrFieldNames, &r.ErrFieldMessages, &r.ErrRetryAfter,
			&r.ErrStatus, &r.ErrRaw, &r.Format, &r.Source, &r.Offset, &r.IngestedAt)
		if err != nil {
			t.Fatal(err)
		}
		r.Time, r.IngestedAt = r.Time.UTC(), r.IngestedAt.UTC()
		if len(r.ErrFieldNames) == 0 {
			r.ErrFieldNames = nil
		}
		if len(r.ErrFieldMessages) == 0 {
			r.ErrFieldMessages = nil
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func compareRows[T any](t *testing.T, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func queryUint(t *testing.T, db *chstore.DB, q string) uint64 {
	t.Helper()
	var n uint64
	if err := db.Conn.QueryRow(testContext(t), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// absentRecord returns a record with every field absent, as a parser leaves it.
func absentRecord() accesslog.Record {
	var r accesslog.Record
	r.Reset()
	return r
}

var (
	logged     = time.Date(2026, 3, 1, 12, 30, 45, 123e6, time.UTC)
	ingestedAt = time.Date(2026, 3, 2, 8, 15, 0, 250e6, time.UTC)
	ingestedS  = ingestedAt.Truncate(time.Second)
)

// sampleBatch returns a batch of four rows and the rows it must store.
func sampleBatch() (*chstore.RequestBatch, []requestRow) {
	bs, want := sampleBatches(false)
	return bs[0], want
}

// sampleBatches returns sampleBatch's rows in one batch, or with split in
// one batch each, and the rows they must store.
func sampleBatches(split bool) ([]*chstore.RequestBatch, []requestRow) {
	var batches []*chstore.RequestBatch
	b := chstore.NewRequestBatch(4)
	if !split {
		batches = append(batches, b)
	}
	next := func() *chstore.RequestBatch {
		if split {
			b = chstore.NewRequestBatch(1)
			batches = append(batches, b)
		}
		return b
	}

	// An access record carrying every field and an error body.
	full := absentRecord()
	full.TimeMs, full.TimePrec, full.Status = logged.UnixMilli(), 3, 429
	full.RequestID = []byte("req-a")
	full.Method, full.Path, full.Route = []byte("POST"), []byte("/v1/bookings?token=%5BREDACTED%5D"), []byte("/v1/bookings")
	full.Partner, full.ClientIP, full.UserAgent = []byte("p-9f2c71"), []byte("203.0.113.7"), []byte("acme-sdk/1.2 (é)")
	full.LatencyMs, full.BytesSent, full.RetryAfter = 12.5, 512, 30
	full.RateLimitLimit, full.RateLimitRemaining, full.RateLimitReset = 100, 0, 1772368305
	full.IdempotencyKey, full.ErrorType, full.ResponseFlags = []byte("idem-1"), []byte("THROTTLED"), []byte("RL")
	full.Body = []byte(`{"error":{"code":"rate_limited"}}`)
	full.Secret = []byte("sk_live_never_stored")
	env := &errbody.Envelope{
		Shape: errbody.ShapeErrorObject, Code: "rate_limited", Message: "Too many requests", Details: "slow down",
		Fields:     []errbody.FieldError{{Field: "amount", Message: "must be positive"}, {Field: "currency", Message: "unknown"}},
		RetryAfter: 30, RequestID: "req-a", Status: 429, Raw: `{"error":{"code":"rate_limited"}}`,
	}
	next().Append(&full, chstore.KindAccess, env, chstore.Meta{Source: "/var/log/gw/access.log", Offset: 0, Line: 1, Format: "apigw"})

	// An access record with every optional field absent and no body.
	bare := absentRecord()
	bare.TimeMs, bare.Status = logged.Add(time.Second).UnixMilli(), 200
	bare.RequestID, bare.Method, bare.Path = []byte("syn-0001"), []byte("GET"), []byte("/health")
	next().Append(&bare, chstore.KindAccess, nil, chstore.Meta{Source: "/var/log/gw/access.log", Offset: 300, Line: 2, Format: "nginx", Synthetic: true})

	// A separately logged error body without a time.
	body := absentRecord()
	body.RequestID, body.Status = []byte("req-a"), 429
	problem := &errbody.Envelope{Shape: errbody.ShapeProblem, Message: "Slow down", RetryAfter: -1, Status: 429, Raw: `{"title":"Slow down"}`}
	next().Append(&body, chstore.KindErrorBody, problem, chstore.Meta{Source: "/var/log/gw/errors.log", Offset: 42, Line: 7, Format: "jsonl"})

	// A time a DateTime cannot hold counts as absent.
	odd := absentRecord()
	odd.TimeMs, odd.RequestID, odd.Method = -5000, []byte("req-z"), []byte("GET")
	next().Append(&odd, chstore.KindAccess, nil, chstore.Meta{Source: "/var/log/gw/access.log", Offset: 400, Line: 3, Format: "nginx"})

	noBody := func(r requestRow) requestRow {
		r.ErrRetryAfter, r.ErrStatus = -1, 0
		return r
	}
	want := []requestRow{
		{
			Time: logged.Truncate(time.Second), TimeMs: logged.UnixMilli(), RequestID: "req-a", Kind: 1,
			Method: "POST", Path: "/v1/bookings?token=%5BREDACTED%5D", Route: "/v1/bookings", Status: 429,
			Partner: "p-9f2c71", ClientIP: "203.0.113.7", LatencyMs: 12.5, BytesSent: 512, UserAgent: "acme-sdk/1.2 (é)",
			IdempotencyKey: "idem-1", RetryAfter: 30, RLLimit: 100, RLRemaining: 0, RLReset: 1772368305,
			ErrorType: "THROTTLED", ResponseFlags: "RL", ErrShape: "error_object", ErrCode: "rate_limited",
			ErrMessage: "Too many requests", ErrDetails: "slow down",
			ErrFieldNames: []string{"amount", "currency"}, ErrFieldMessages: []string{"must be positive", "unknown"},
			ErrRetryAfter: 30, ErrStatus: 429, ErrRaw: `{"error":{"code":"rate_limited"}}`,
			Format: "apigw", Source: "/var/log/gw/access.log", Offset: 0, IngestedAt: ingestedS,
		},
		{
			// The error body has no time: it gets the insert's ingested-at time.
			Time: ingestedS, TimeMs: ingestedAt.UnixMilli(), RequestID: "req-a", Kind: 2,
			Status: 429, LatencyMs: -1, BytesSent: -1, RetryAfter: -1, RLLimit: -1, RLRemaining: -1, RLReset: -1,
			ErrShape: "problem", ErrMessage: "Slow down", ErrRetryAfter: -1, ErrStatus: 429, ErrRaw: `{"title":"Slow down"}`,
			Format: "jsonl", Source: "/var/log/gw/errors.log", Offset: 42, IngestedAt: ingestedS,
		},
		noBody(requestRow{
			Time: ingestedS, TimeMs: ingestedAt.UnixMilli(), RequestID: "req-z", Kind: 1, Method: "GET",
			LatencyMs: -1, BytesSent: -1, RetryAfter: -1, RLLimit: -1, RLRemaining: -1, RLReset: -1,
			Format: "nginx", Source: "/var/log/gw/access.log", Offset: 400, IngestedAt: ingestedS,
		}),
		noBody(requestRow{
			Time: logged.Add(time.Second).Truncate(time.Second), TimeMs: logged.Add(time.Second).UnixMilli(),
			RequestID: "syn-0001", Kind: 1, Synthetic: 1, Method: "GET", Path: "/health", Status: 200,
			LatencyMs: -1, BytesSent: -1, RetryAfter: -1, RLLimit: -1, RLRemaining: -1, RLReset: -1,
			Format: "nginx", Source: "/var/log/gw/access.log", Offset: 300, IngestedAt: ingestedS,
		}),
	}
	return batches, want
}

func TestInsertRequestsRoundTrip(t *testing.T) {
	db := chtest.MigratedDB(t)
	b, want := sampleBatch()
	if b.Len() != len(want) {
		t.Fatalf("Len() = %d, want %d", b.Len(), len(want))
	}
	if err := db.InsertRequests(testContext(t), b, ingestedAt); err != nil {
		t.Fatal(err)
	}
	compareRows(t, readRequests(t, db), want)
	if n := queryUint(t, db, "SELECT count() FROM "+db.Table("requests")+" WHERE position(err_raw, 'sk_live') > 0 OR position(path, 'sk_live') > 0"); n != 0 {
		t.Errorf("%d rows hold the record's secret", n)
	}
}

// TestInsertRequestsOneRowEach: rows inserted one a batch, so that most
// text and array columns are empty in a whole insert and are not sent,
// are stored exactly as when sent together.
func TestInsertRequestsOneRowEach(t *testing.T) {
	db := chtest.MigratedDB(t)
	bs, want := sampleBatches(true)
	if len(bs) != len(want) {
		t.Fatalf("%d batches for %d rows", len(bs), len(want))
	}
	for _, b := range bs {
		if err := db.InsertRequests(testContext(t), b, ingestedAt); err != nil {
			t.Fatal(err)
		}
	}
	compareRows(t, readRequests(t, db), want)
}

func TestInsertRequestsTwice(t *testing.T) {
	db := chtest.MigratedDB(t)
	b, want := sampleBatch()
	ids := queryFor(db, "SELECT uniqExact(request_id) FROM %s")
	groups := queryFor(db, "SELECT count() FROM (SELECT request_id, kind FROM %s GROUP BY request_id, kind)")
	for i := 1; i <= 2; i++ {
		if err := db.InsertRequests(testContext(t), b, ingestedAt.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
		if n := queryUint(t, db, ids); n != 3 {
			t.Errorf("after insert %d: %d distinct request ids, want 3", i, n)
		}
		if n := queryUint(t, db, groups); n != uint64(len(want)) {
			t.Errorf("after insert %d: %d (request_id, kind) groups, want %d", i, n, len(want))
		}
	}
}

func queryFor(db *chstore.DB, q string) string { return fmt.Sprintf(q, db.Table("requests")) }

func TestInsertRequestsManyDays(t *testing.T) {
	db := chtest.MigratedDB(t)
	const days, perDay = 150, 3
	b := chstore.NewRequestBatch(days * perDay)
	start := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	var offsets uint64
	for i := range days * perDay {
		// Rows out of day order, so the batch is not already grouped.
		day := (i * 7) % days
		r := absentRecord()
		r.TimeMs = start.AddDate(0, 0, day).Add(time.Duration(i) * time.Second).UnixMilli()
		r.RequestID = fmt.Appendf(nil, "r-%d", i)
		r.Method, r.Path, r.Status = []byte("GET"), []byte("/x"), 200
		b.Append(&r, chstore.KindAccess, nil, chstore.Meta{Source: "backfill.log", Offset: uint64(i), Format: "jsonl"})
		offsets += uint64(i)
	}
	if err := db.InsertRequests(testContext(t), b, ingestedAt); err != nil {
		t.Fatal(err)
	}
	tbl := db.Table("requests")
	checks := []struct {
		q    string
		want uint64
	}{
		{"SELECT count() FROM " + tbl, days * perDay},
		{"SELECT uniqExact(request_id) FROM " + tbl, days * perDay},
		{"SELECT uniqExact(toDate(time)) FROM " + tbl, days},
		{"SELECT sum(offset) FROM " + tbl, offsets},
		{"SELECT countIf(intDiv(time_ms, 1000) != toUnixTimestamp(time)) FROM " + tbl, 0},
		{"SELECT countIf(request_id != concat('r-', toString(offset))) FROM " + tbl, 0},
	}
	for _, c := range checks {
		if got := queryUint(t, db, c.q); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}
}

// TestAppendCopies checks that batches keep nothing that aliases their
// inputs: parsers reuse their buffers, and errbody may build strings over its own.
func TestAppendCopies(t *testing.T) {
	db := chtest.MigratedDB(t)
	ctx := testContext(t)

	line := []byte("req-1|PUT|/v1/x|/v1/{id}|p-1|198.51.100.1|ua/1|key-1|THROTTLED|RL")
	orig := strings.Split(string(line), "|") // copies, for want
	field := func(i int) string { return orig[i] }
	parts := make([][]byte, 0, 10)
	for start, i := 0, 0; i <= len(line); i++ {
		if i == len(line) || line[i] == '|' {
			parts = append(parts, line[start:i:i])
			start = i + 1
		}
	}
	r := absentRecord()
	r.TimeMs, r.Status = logged.UnixMilli(), 429
	r.RequestID, r.Method, r.Path, r.Route, r.Partner = parts[0], parts[1], parts[2], parts[3], parts[4]
	r.ClientIP, r.UserAgent, r.IdempotencyKey, r.ErrorType, r.ResponseFlags = parts[5], parts[6], parts[7], parts[8], parts[9]

	scratch := []byte("error_stringcodemsgdetailsfieldfmsg{}/src/a.logjsonlbad_json{not json")
	str := func(from, to int) string { return unsafe.String(&scratch[from], to-from) }
	env := &errbody.Envelope{
		Shape: str(0, 12), Code: str(12, 16), Message: str(16, 19), Details: str(19, 26),
		Fields:     []errbody.FieldError{{Field: str(26, 31), Message: str(31, 35)}},
		RetryAfter: 5, Status: 429, Raw: str(35, 37),
	}
	meta := chstore.Meta{Source: str(37, 47), Format: str(47, 52), Offset: 9, Line: 3}

	reqs := chstore.NewRequestBatch(1)
	reqs.Append(&r, chstore.KindAccess, env, meta)
	rejs := chstore.NewRejectBatch(1)
	raw := []byte("{not json")
	rejs.Append(meta, logged.UnixMilli(), str(52, 60), raw)

	for i := range line {
		line[i] = 'X'
	}
	for i := range scratch {
		scratch[i] = 'Y'
	}
	for i := range raw {
		raw[i] = 'Z'
	}

	if err := db.InsertRequests(ctx, reqs, ingestedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertRejects(ctx, rejs, ingestedAt); err != nil {
		t.Fatal(err)
	}
	// want holds the values as they were when appended.
	want := []requestRow{{
		Time: logged.Truncate(time.Second), TimeMs: logged.UnixMilli(), RequestID: (field(0)), Kind: 1,
		Method: (field(1)), Path: (field(2)), Route: (field(3)), Status: 429,
		Partner: (field(4)), ClientIP: (field(5)), LatencyMs: -1, BytesSent: -1,
		UserAgent: (field(6)), IdempotencyKey: (field(7)), RetryAfter: -1,
		RLLimit: -1, RLRemaining: -1, RLReset: -1, ErrorType: (field(8)), ResponseFlags: (field(9)),
		ErrShape: "error_string", ErrCode: "code", ErrMessage: "msg", ErrDetails: "details",
		ErrFieldNames: []string{"field"}, ErrFieldMessages: []string{"fmsg"}, ErrRetryAfter: 5, ErrStatus: 429,
		ErrRaw: "{}", Format: "jsonl", Source: "/src/a.log", Offset: 9, IngestedAt: ingestedS,
	}}
	compareRows(t, readRequests(t, db), want)
	compareRows(t, readRejects(t, db), []rejectRow{
		{Time: logged.Truncate(time.Second).UTC(), IngestedAt: ingestedS, Source: "/src/a.log", Offset: 9, Line: 3, Format: "jsonl", Reason: "bad_json", Raw: "{not json"},
	})
}

type rejectRow struct {
	Time       time.Time
	IngestedAt time.Time
	Source     string
	Offset     uint64
	Line       uint64
	Format     string
	Reason     string
	Raw        string
}

func readRejects(t *testing.T, db *chstore.DB) []rejectRow {
	t.Helper()
	rows, err := db.Conn.Query(testContext(t), "SELECT time, ingested_at, source, offset, line, format, reason, raw FROM "+
		db.Table("rejected")+" ORDER BY source, offset")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []rejectRow
	for rows.Next() {
		var r rejectRow
		if err := rows.Scan(&r.Time, &r.IngestedAt, &r.Source, &r.Offset, &r.Line, &r.Format, &r.Reason, &r.Raw); err != nil {
			t.Fatal(err)
		}
		r.Time, r.IngestedAt = r.Time.UTC(), r.IngestedAt.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInsertRejectsRoundTrip(t *testing.T) {
	db := chtest.MigratedDB(t)
	long := strings.Repeat("a", 5000)
	// "é" is two bytes: after one ASCII byte, byte 4096 is the first half of one.
	accented := "x" + strings.Repeat("é", 3000)
	b := chstore.NewRejectBatch(0) // grows as needed
	b.Append(chstore.Meta{Source: "a.log", Offset: 10, Line: 2, Format: "nginx"}, logged.UnixMilli(), "bad_request_line", []byte(`GET / HTTP/1.1" 200`))
	b.Append(chstore.Meta{Source: "a.log", Offset: 99, Line: 5, Format: "nginx"}, 0, "line_too_long", []byte(long))
	b.Append(chstore.Meta{Source: "b.log", Offset: 0, Line: 1, Format: "jsonl"}, 0, "bad_json", []byte(accented))
	b.Append(chstore.Meta{Source: "b.log", Offset: 7, Line: 2, Format: "jsonl"}, -5, "empty", nil)
	if b.Len() != 4 {
		t.Fatalf("Len() = %d, want 4", b.Len())
	}
	if err := db.InsertRejects(testContext(t), b, ingestedAt); err != nil {
		t.Fatal(err)
	}
	got := readRejects(t, db)
	compareRows(t, got, []rejectRow{
		// A reject is filed under the time given, else (0, out of range) under ingested_at.
		{logged.Truncate(time.Second).UTC(), ingestedS, "a.log", 10, 2, "nginx", "bad_request_line", `GET / HTTP/1.1" 200`},
		{ingestedS, ingestedS, "a.log", 99, 5, "nginx", "line_too_long", long[:4096]},
		{ingestedS, ingestedS, "b.log", 0, 1, "jsonl", "bad_json", accented[:4095]},
		{ingestedS, ingestedS, "b.log", 7, 2, "jsonl", "empty", ""},
	})
	if len(got) == 4 && !utf8.ValidString(got[2].Raw) {
		t.Errorf("truncated raw is not valid UTF-8: ends %q", got[2].Raw[len(got[2].Raw)-4:])
	}
}

// TestInsertOnePartPerDay checks that an insert sent in several blocks
// still makes one part per day: the server squashes an INSERT's blocks.
func TestInsertOnePartPerDay(t *testing.T) {
	db := chtest.MigratedDB(t)
	n := 2*chstore.InsertBlockRows + 100
	b := chstore.NewRequestBatch(n)
	for i := range n {
		r := absentRecord()
		r.TimeMs = logged.UnixMilli() + int64(i)
		r.RequestID = fmt.Appendf(nil, "r-%d", i)
		b.Append(&r, chstore.KindAccess, nil, chstore.Meta{Offset: uint64(i)})
	}
	if err := db.InsertRequests(testContext(t), b, ingestedAt); err != nil {
		t.Fatal(err)
	}
	var parts, rows uint64
	var level uint32
	err := db.Conn.QueryRow(testContext(t), "SELECT count(), sum(rows), max(level) FROM system.parts "+
		"WHERE database = ? AND table = 'requests' AND active", db.Name).Scan(&parts, &rows, &level)
	if err != nil {
		t.Fatal(err)
	}
	if parts != 1 || rows != uint64(n) || level != 0 {
		t.Errorf("after one insert of %d rows: %d parts holding %d rows, max level %d; want 1 unmerged part", n, parts, rows, level)
	}
	if got := queryUint(t, db, "SELECT sum(offset) FROM "+db.Table("requests")); got != uint64(n)*uint64(n-1)/2 {
		t.Errorf("sum(offset) = %d, want %d: rows lost or repeated across blocks", got, uint64(n)*uint64(n-1)/2)
	}
}

func TestInsertEmptyBatches(t *testing.T) {
	// Nothing is sent for an empty batch: not even to a database that
	// does not exist.
	db := chtest.Open(t)
	if err := db.InsertRequests(testContext(t), chstore.NewRequestBatch(10), ingestedAt); err != nil {
		t.Errorf("InsertRequests(empty) = %v", err)
	}
	if err := db.InsertRejects(testContext(t), chstore.NewRejectBatch(10), ingestedAt); err != nil {
		t.Errorf("InsertRejects(empty) = %v", err)
	}
}

func TestInsertErrors(t *testing.T) {
	db := chtest.Open(t) // not migrated: the tables do not exist
	b, _ := sampleBatch()
	err := db.InsertRequests(testContext(t), b, ingestedAt)
	if err == nil || !strings.HasPrefix(err.Error(), "insert requests: ") {
		t.Errorf("insert into a missing table: err = %v, want one starting \"insert requests: \"", err)
	}
	rejs := chstore.NewRejectBatch(1)
	rejs.Append(chstore.Meta{Source: "a"}, 0, "r", []byte("x"))
	err = db.InsertRejects(testContext(t), rejs, ingestedAt)
	if err == nil || !strings.HasPrefix(err.Error(), "insert rejects: ") {
		t.Errorf("insert into a missing table: err = %v, want one starting \"insert rejects: \"", err)
	}
	if err := db.InsertRequests(testContext(t), b, time.Time{}); err == nil || !strings.Contains(err.Error(), "outside 1970–2106") {
		t.Errorf("zero ingested-at time: err = %v", err)
	}
}
