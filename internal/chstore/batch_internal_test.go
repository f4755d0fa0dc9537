package chstore

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/errbody"
)

func TestGroupByDay(t *testing.T) {
	f := func(days []uint32, maxDays int, want [][]int) {
		t.Helper()
		got := groupByDay(days, maxDays)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("groupByDay(%v, %d) = %v, want %v", days, maxDays, got, want)
		}
	}
	f(nil, 2, nil)
	f([]uint32{5}, 1, nil)
	f([]uint32{5, 5, 5}, 1, nil)
	f([]uint32{5, 6}, 2, nil)
	f([]uint32{5, 9, 5, 9}, 2, nil) // span beyond maxDays, but only two days
	f([]uint32{0, 1 << 31}, 2, nil) // far apart, still two days
	f([]uint32{5, 6, 7}, 2, [][]int{{0, 1}, {2}})
	f([]uint32{7, 5, 6, 5, 7}, 2, [][]int{{1, 2, 3}, {0, 4}})
	f([]uint32{9, 1, 5, 1, 20, 9}, 1, [][]int{{1, 3}, {2}, {0, 5}, {4}})
	f([]uint32{3, 2, 1}, 0, [][]int{{2}, {1}, {0}}) // maxDays below 1 means 1
}

// TestGroupByDayCover checks, on a batch like a 150-day backfill, that the
// groups hold every row once, in order, and at most 100 days each.
func TestGroupByDayCover(t *testing.T) {
	const days, rows = 150, 1000
	in := make([]uint32, rows)
	for i := range in {
		in[i] = 20000 + uint32((i*37)%days)
	}
	groups := groupByDay(in, maxPartitionsPerInsert)
	if len(groups) != 2 {
		t.Fatalf("%d groups, want 2", len(groups))
	}
	seen := make([]bool, rows)
	var prevMax uint32
	for g, rows := range groups {
		dayset := map[uint32]bool{}
		for i, r := range rows {
			if seen[r] {
				t.Fatalf("row %d in two groups", r)
			}
			seen[r] = true
			if i > 0 && r <= rows[i-1] {
				t.Fatalf("group %d: rows out of order at %d", g, i)
			}
			dayset[in[r]] = true
			if g > 0 && in[r] <= prevMax {
				t.Fatalf("group %d holds day %d, not after the previous group's last day %d", g, in[r], prevMax)
			}
		}
		if len(dayset) > maxPartitionsPerInsert {
			t.Fatalf("group %d spans %d days", g, len(dayset))
		}
		for d := range dayset {
			prevMax = max(prevMax, d)
		}
	}
	for r, ok := range seen {
		if !ok {
			t.Fatalf("row %d in no group", r)
		}
	}
}

func TestTruncateUTF8(t *testing.T) {
	f := func(in string, n int, want string) {
		t.Helper()
		got := string(truncateUTF8([]byte(in), n))
		if got != want {
			t.Fatalf("truncateUTF8(%q, %d) = %q, want %q", in, n, got, want)
		}
	}
	f("", 4, "")
	f("abc", 4, "abc")
	f("abcd", 4, "abcd")
	f("abcde", 4, "abcd")
	f("abé", 4, "abé")                                   // fits exactly
	f("abcé", 4, "abc")                                  // é would be split
	f("a€b", 3, "a")                                     // 3-byte rune cut after its 2nd byte
	f("a€b", 2, "a")                                     // … after its 1st byte
	f("a€b", 4, "a€")                                    // whole
	f("a😀b", 4, "a")                                     // 4-byte rune cut after its 3rd byte
	f("😀😀", 5, "😀")                                      // cut after the first byte of the second
	f("\x80\x80\x80\x80\x80\x80", 4, "\x80\x80\x80\x80") // not UTF-8: cut at n
	f("ab\xff\x80\x80\x80", 5, "ab")                     // backs off to what starts a character
}

func TestArenaStringsStayPut(t *testing.T) {
	var a arena
	src := []byte("hello")
	first := a.copyBytes(src)
	src[0] = 'j'
	if first != "hello" {
		t.Fatalf("copy changed with its source: %q", first)
	}
	// Fill past several chunks, then reset and fill again: strings handed
	// out earlier never change.
	var kept []string
	var want []string
	for i := range 3 * minArenaChunk / 100 {
		s := strings.Repeat(string(rune('a'+i%26)), 100)
		kept = append(kept, a.copyString(s))
		want = append(want, s)
	}
	a.reset()
	for range 3 * minArenaChunk / 100 {
		a.copyString(strings.Repeat("Z", 100))
	}
	for i := range kept {
		if kept[i] != want[i] {
			t.Fatalf("string %d changed: %.10q…, want %.10q…", i, kept[i], want[i])
		}
	}
	if first != "hello" {
		t.Fatalf("first string changed: %q", first)
	}
	if got := a.copyBytes(nil) + a.copyString(""); got != "" {
		t.Fatalf("empty copies = %q", got)
	}
}

func TestArenaResetSizesNextChunk(t *testing.T) {
	var a arena
	big := bytes.Repeat([]byte("x"), 1000)
	for range 1000 { // 1 MB over several chunks
		a.copyBytes(big)
	}
	a.reset()
	a.copyBytes(big)
	if c := cap(a.buf); c < 1000*1000 {
		t.Fatalf("after a 1 MB batch the next chunk holds %d bytes, want at least 1 MB", c)
	}
}

func TestLastCopy(t *testing.T) {
	var a arena
	var l lastCopy
	buf := []byte("a.log")
	s1 := l.copy(&a, string(buf))
	s2 := l.copy(&a, string(buf))
	if unsafe.StringData(s1) != unsafe.StringData(s2) {
		t.Error("an equal value was copied again")
	}
	buf[0] = 'b'
	if s3 := l.copy(&a, string(buf)); s3 != "b.log" || s1 != "a.log" {
		t.Errorf("after a change: got %q (and %q before), want b.log (a.log)", s3, s1)
	}
}

func TestResolveTimes(t *testing.T) {
	ing := time.Date(2026, 3, 2, 8, 15, 0, 250e6, time.UTC)
	b := NewRequestBatch(0)
	in := []int64{
		time.Date(2026, 3, 1, 23, 59, 59, 999e6, time.UTC).UnixMilli(),
		0,             // absent
		-1,            // not a DateTime
		1,             // the first millisecond a DateTime holds
		maxDateTimeMs, // the last
		maxDateTimeMs + 1,
	}
	r := absentRecordForTest()
	for _, ms := range in {
		r.TimeMs = ms
		b.Append(&r, KindAccess, nil, Meta{})
	}
	if err := b.resolveTimes(ing); err != nil {
		t.Fatal(err)
	}
	wantMs := []int64{in[0], ing.UnixMilli(), ing.UnixMilli(), 1, maxDateTimeMs, ing.UnixMilli()}
	if !reflect.DeepEqual(b.timesMs, wantMs) {
		t.Errorf("time_ms = %v, want %v", b.timesMs, wantMs)
	}
	wantDays := []uint32{20513, 20514, 20514, 0, 49710, 20514}
	if !reflect.DeepEqual(b.days, wantDays) {
		t.Errorf("days = %v, want %v", b.days, wantDays)
	}
	for i, tm := range b.times {
		if tm.Unix() != wantMs[i]/1000 {
			t.Errorf("row %d: time %v, want second %d", i, tm, wantMs[i]/1000)
		}
		if !b.ingested[i].Equal(ing) {
			t.Errorf("row %d: ingested_at %v, want %v", i, b.ingested[i], ing)
		}
	}
	if b.timeMs[1] != 0 {
		t.Error("resolving times changed the batch's rows")
	}
}

func absentRecordForTest() accesslog.Record {
	var r accesslog.Record
	r.Reset()
	return r
}

func TestPickFill(t *testing.T) {
	src := []string{"a", "b", "c"}
	if got := pick(src, nil, 1, 3); &got[0] != &src[1] || len(got) != 2 {
		t.Error("pick(src, nil, 1, 3) copied, or is not src[1:3]")
	}
	if got := pick(src, []int{2, 0, 1}, 0, 2); !reflect.DeepEqual(got, []string{"c", "a"}) {
		t.Errorf("pick = %v", got)
	}
	if got := pick(src, []int{}, 0, 0); len(got) != 0 {
		t.Errorf("pick(src, [], 0, 0) = %v", got)
	}
	s := fill([]int{9, 9, 9, 9}, 2, 7)
	if !reflect.DeepEqual(s, []int{7, 7}) {
		t.Errorf("fill shrinking = %v", s)
	}
	if s = fill(s, 5, 1); !reflect.DeepEqual(s, []int{1, 1, 1, 1, 1}) {
		t.Errorf("fill growing = %v", s)
	}
}

func TestResetKeepsNothing(t *testing.T) {
	b := NewRequestBatch(2)
	r := absentRecordForTest()
	r.RequestID, r.Method = []byte("a"), []byte("GET")
	env := &errbody.Envelope{Code: "x", Fields: []errbody.FieldError{{Field: "f", Message: "m"}}}
	b.Append(&r, KindAccess, env, Meta{Source: "s", Format: "jsonl"})
	b.Reset()
	if b.Len() != 0 {
		t.Fatalf("Len() after Reset = %d", b.Len())
	}
	r.RequestID = []byte("b")
	b.Append(&r, KindErrorBody, nil, Meta{Source: "t"})
	str := func(col []span) string { return b.text.str(col[0]) }
	if b.Len() != 1 || str(b.requestID) != "b" || b.kind[0] != 2 || str(b.sourceCol) != "t" || str(b.errCode) != "" ||
		b.errFieldNames[0] != nil || b.errRetryAfter[0] != -1 || str(b.formatCol) != "" {
		t.Fatalf("row after Reset carries old values: id %q kind %d source %q code %q fields %v", str(b.requestID), b.kind[0], str(b.sourceCol), str(b.errCode), b.errFieldNames[0])
	}
	rb := NewRejectBatch(1)
	rb.Append(Meta{Source: "s"}, 5, "r", []byte("x"))
	rb.Reset()
	rb.Append(Meta{Source: "t"}, 7, "q", nil)
	if rb.Len() != 1 || len(rb.timeMs) != 1 || rb.timeMs[0] != 7 || rb.sourceCol[0] != "t" || rb.reason[0] != "q" || rb.raw[0] != "" {
		t.Fatalf("reject row after Reset: %q %q %q", rb.sourceCol[0], rb.reason[0], rb.raw[0])
	}
}

// benchRecord is a typical nginx-json line's record: about 300 bytes of text.
func benchRecord() (*accesslog.Record, *errbody.Envelope) {
	r := absentRecordForTest()
	r.TimeMs, r.Status = 1772368245123, 429
	r.RequestID = []byte("5f1c2a7e9b3d4c6f8a0b1c2d3e4f5a6b")
	r.Method, r.Path, r.Route = []byte("POST"), []byte("/v1/bookings/123456/payments?expand=items"), []byte("/v1/bookings/{id}/payments")
	r.Partner, r.ClientIP = []byte("k-9f2c71aa03"), []byte("203.0.113.77")
	r.UserAgent = []byte("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36")
	r.IdempotencyKey = []byte("7c9e6679-7425-40de-944b-e07fc1f90ae7")
	r.LatencyMs, r.BytesSent, r.RetryAfter = 12.5, 512, 30
	r.ErrorType, r.ResponseFlags = []byte("THROTTLED"), []byte("RL")
	env := &errbody.Envelope{
		Shape: errbody.ShapeErrorObject, Code: "rate_limited", Message: "Too many requests", RetryAfter: 30, Status: 429,
		Fields: []errbody.FieldError{{Field: "amount", Message: "must be positive"}},
		Raw:    `{"error":{"code":"rate_limited","message":"Too many requests"}}`,
	}
	return &r, env
}

func recordBytes(r *accesslog.Record, env *errbody.Envelope) int {
	n := len(r.RequestID) + len(r.Method) + len(r.Path) + len(r.Route) + len(r.Partner) + len(r.ClientIP) +
		len(r.UserAgent) + len(r.IdempotencyKey) + len(r.ErrorType) + len(r.ResponseFlags)
	if env != nil {
		n += len(env.Code) + len(env.Message) + len(env.Details) + len(env.Raw)
		for _, f := range env.Fields {
			n += len(f.Field) + len(f.Message)
		}
	}
	return n
}

func BenchmarkRequestBatchAppend(b *testing.B) {
	const batchRows = 100_000
	r, env := benchRecord()
	for _, bc := range []struct {
		name string
		env  *errbody.Envelope
	}{{"access", nil}, {"with_body", env}} {
		b.Run(bc.name, func(b *testing.B) {
			batch := NewRequestBatch(batchRows)
			m := Meta{Source: "/var/log/nginx/access.log", Format: "nginx-json"}
			b.SetBytes(int64(recordBytes(r, bc.env)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if batch.Len() == batchRows {
					batch.Reset()
				}
				m.Offset = uint64(i) * 300
				batch.Append(r, KindAccess, bc.env, m)
			}
		})
	}
}

func FuzzTruncateUTF8(f *testing.F) {
	f.Add([]byte("abcé"), 4)
	f.Add([]byte("a😀b"), 4)
	f.Add([]byte("\x80\x80\x80\x80\x80"), 2)
	f.Add([]byte(""), 0)
	f.Fuzz(func(t *testing.T, p []byte, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		got := truncateUTF8(p, n)
		if len(got) > n || !bytes.HasPrefix(p, got) {
			t.Fatalf("truncateUTF8(%q, %d) = %q: not a prefix of at most n bytes", p, n, got)
		}
		if len(p) <= n && len(got) != len(p) {
			t.Fatalf("truncateUTF8(%q, %d) = %q: cut a short input", p, n, got)
		}
		if utf8.Valid(p) && !utf8.Valid(got) {
			t.Fatalf("truncateUTF8(%q, %d) = %q: split a character", p, n, got)
		}
		if len(p) > n && len(got) < n-(utf8.UTFMax-1) {
			t.Fatalf("truncateUTF8(%q, %d) = %q: cut more than a character", p, n, got)
		}
	})
}

// TestArenaSpans: text added as spans reads back the same, across many
// chunks, mixed with copied strings, and a string made from a span stays
// unchanged after a reset and more text.
func TestArenaSpans(t *testing.T) {
	var a arena
	var spans []span
	var want []string
	for i := range 3 * minArenaChunk / 50 {
		s := strings.Repeat(string(rune('a'+i%26)), 1+i%97)
		if i%5 == 0 {
			_ = a.copyString(s) // a copied string between spans
		}
		spans = append(spans, a.addString(s))
		want = append(want, s)
	}
	if a.add(nil) != 0 || a.str(0) != "" {
		t.Fatal("the empty text is not the zero span")
	}
	big := bytes.Repeat([]byte("z"), 2*maxChunk/3)
	bigSpan := a.add(big)
	spans, want = append(spans, bigSpan), append(want, string(big))
	for i, sp := range spans {
		if got := a.str(sp); got != want[i] {
			t.Fatalf("span %d reads %d bytes %.10q…, want %d bytes %.10q…", i, len(got), got, len(want[i]), want[i])
		}
	}
	kept := a.str(spans[7])
	a.reset()
	for range 1000 {
		a.addString("overwrite?")
	}
	if kept != want[7] {
		t.Fatalf("a string made from a span changed after reset: %q", kept)
	}
	got := a.strings(nil, []span{a.addString("x"), 0, a.addString("yz")}, []int{2, 0}, 0, 2)
	if !reflect.DeepEqual(got, []string{"yz", "x"}) {
		t.Fatalf("strings by rows = %q", got)
	}
}

// TestSentColumns: an insert leaves out exactly the text and array
// columns that are empty in every row.
func TestSentColumns(t *testing.T) {
	all := make([]string, len(requestColumns))
	for i, c := range requestColumns {
		all[i] = c.name
	}
	b := NewRequestBatch(2)
	r := absentRecordForTest()
	r.RequestID, r.Method, r.Path = []byte("a"), []byte("GET"), []byte("/x")
	b.Append(&r, KindAccess, nil, Meta{Source: "s", Format: "f"})
	names, sent := b.sentColumns()
	omitted := map[string]bool{}
	for _, n := range all {
		omitted[n] = !slices.Contains(names, n)
	}
	for _, n := range []string{"route", "partner", "client_ip", "user_agent", "idempotency_key", "error_type", "response_flags",
		"err_shape", "err_code", "err_message", "err_details", "err_raw", "err_field_names", "err_field_messages"} {
		if !omitted[n] {
			t.Errorf("%s is empty in every row but sent", n)
		}
		delete(omitted, n)
	}
	for n, o := range omitted {
		if o {
			t.Errorf("%s left out", n)
		}
	}
	for i, s := range sent {
		if requestColumns[s].name != names[i] {
			t.Errorf("sent[%d] = %d (%s), name %s", i, s, requestColumns[s].name, names[i])
		}
	}
	// One row with a value: the column goes.
	r2 := absentRecordForTest()
	r2.RequestID, r2.UserAgent = []byte("b"), []byte("ua")
	b.Append(&r2, KindAccess, &errbody.Envelope{Fields: []errbody.FieldError{{Field: "f", Message: "m"}}}, Meta{})
	names, _ = b.sentColumns()
	for _, n := range []string{"user_agent", "err_field_names", "err_field_messages", "path", "method"} {
		if !slices.Contains(names, n) {
			t.Errorf("%s has a value in one row but is left out", n)
		}
	}
	if slices.Contains(names, "route") {
		t.Error("route is still empty but sent")
	}
}
