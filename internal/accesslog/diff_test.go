//go:build oracle

package accesslog_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/accesslog/internal/oracle"
	"github.com/ratescope/ratescope/internal/benchlines"
)

// The differential tests hold the parsers to the behaviour of the frozen
// copy in internal/oracle (the parsers as they were before the streaming
// JSON scan): for any line and any format, the same Record, the same error
// (reason and detail) and the same line format.

// diffFormats are the formats every line is parsed in.
var diffFormats = []accesslog.Format{
	accesslog.FormatAPIGW, accesslog.FormatNginx, accesslog.FormatNginxJSON, accesslog.FormatEnvoy,
	accesslog.FormatJSONL, accesslog.FormatALB, accesslog.FormatMixed,
}

// diffMapping is a custom JSON mapping, parsed in FormatJSONL beside the
// plain formats: it exercises mapped keys above the vocabulary.
var diffMapping = map[string]accesslog.FieldSpec{
	"time": {Key: "when"}, "status": {Key: "code"}, "latency": {Key: "took", Unit: "ns"},
	"path": {Key: "url.path"}, "body": {Key: "err"}, "request_id": {Key: "trace"},
}

// diffPair is a current parser and the oracle's, fed the same lines.
type diffPair struct {
	name string
	cur  *accesslog.Parser
	old  *oracle.Parser
}

func newDiffPairs(t testing.TB) []diffPair {
	t.Helper()
	var pairs []diffPair
	for _, f := range diffFormats {
		pairs = append(pairs, diffPair{f.String(), accesslog.NewParser(f), oracle.NewParser(oracle.Format(f))})
	}
	om := map[string]oracle.FieldSpec{}
	for k, v := range diffMapping {
		om[k] = oracle.FieldSpec{Key: v.Key, Unit: v.Unit}
	}
	cm, err := accesslog.NewMapping(diffMapping)
	if err != nil {
		t.Fatal(err)
	}
	omm, err := oracle.NewMapping(om)
	if err != nil {
		t.Fatal(err)
	}
	p := diffPair{"jsonl+mapping", accesslog.NewParser(accesslog.FormatJSONL), oracle.NewParser(oracle.FormatJSONL)}
	p.cur.SetMapping(cm)
	p.old.SetMapping(omm)
	return append(pairs, p)
}

// diffRecord prints every field of a Record (of either package), byte
// fields quoted and nil told apart from empty.
func diffRecord(r any) string {
	v := reflect.ValueOf(r).Elem()
	var b strings.Builder
	for i := range v.NumField() {
		f := v.Field(i)
		b.WriteString(v.Type().Field(i).Name)
		b.WriteByte('=')
		if bs, ok := f.Interface().([]byte); ok {
			if bs == nil {
				b.WriteString("nil")
			} else {
				fmt.Fprintf(&b, "%q", bs)
			}
		} else {
			fmt.Fprint(&b, f.Interface())
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// sameRecord reports whether two records hold the same values, nil byte
// fields told apart from empty ones.
func sameRecord(a, b *accesslog.Record) bool {
	same := func(x, y []byte) bool { return bytes.Equal(x, y) && (x == nil) == (y == nil) }
	return a.TimeMs == b.TimeMs && a.TimePrec == b.TimePrec && a.Status == b.Status &&
		same(a.RequestID, b.RequestID) && same(a.Method, b.Method) && same(a.Path, b.Path) &&
		same(a.Route, b.Route) && same(a.Partner, b.Partner) && same(a.ClientIP, b.ClientIP) &&
		same(a.UserAgent, b.UserAgent) && a.LatencyMs == b.LatencyMs && a.BytesSent == b.BytesSent &&
		a.RetryAfter == b.RetryAfter && a.RateLimitLimit == b.RateLimitLimit &&
		a.RateLimitRemaining == b.RateLimitRemaining && a.RateLimitReset == b.RateLimitReset &&
		same(a.IdempotencyKey, b.IdempotencyKey) && same(a.ErrorType, b.ErrorType) &&
		same(a.ResponseFlags, b.ResponseFlags) && same(a.Body, b.Body) && same(a.Secret, b.Secret)
}

// diffError prints an error of either package: reason and detail.
func diffError(err error) string {
	if err == nil {
		return "ok"
	}
	var pe *accesslog.ParseError
	if errors.As(err, &pe) {
		return "reject " + pe.Reason + ": " + pe.Detail
	}
	var oe *oracle.ParseError
	if errors.As(err, &oe) {
		return "reject " + oe.Reason + ": " + oe.Detail
	}
	return "error " + err.Error()
}

// diffParse parses a copy of line with both parsers of each pair and fails
// on any difference.
func diffParse(t testing.TB, pairs []diffPair, line []byte) {
	t.Helper()
	for _, p := range pairs {
		var cr accesslog.Record
		var or oracle.Record
		cl, ol := bytes.Clone(line), bytes.Clone(line)
		cerr, oerr := p.cur.Parse(cl, &cr), p.old.Parse(ol, &or)
		conv := accesslog.Record(or)
		if cf, of := p.cur.LineFormat(), p.old.LineFormat(); !sameRecord(&cr, &conv) || diffError(cerr) != diffError(oerr) || int(cf) != int(of) {
			t.Fatalf("%s: line %q\n got: %s | %s | %v\nwant: %s | %s | %v", p.name, line,
				diffError(cerr), diffRecord(&cr), cf, diffError(oerr), diffRecord(&or), of)
		}
		if !bytes.Equal(cl, line) {
			t.Fatalf("%s: line %q was modified to %q", p.name, line, cl)
		}
	}
	if got, want := accesslog.UnknownKeys(line, nil), oracle.UnknownKeys(line, nil); !reflect.DeepEqual(got, want) {
		t.Fatalf("UnknownKeys(%q) = %q, want %q", line, got, want)
	}
	if got, want := accesslog.Detect([][]byte{line}), oracle.Detect([][]byte{line}); int(got) != int(want) {
		t.Fatalf("Detect(%q) = %v, want %v", line, got, want)
	}
	var cu accesslog.Unwrapper
	var ou oracle.Unwrapper
	cc, cp, cw := cu.Unwrap(line)
	oc, op, ow := ou.Unwrap(line)
	if !bytes.Equal(cc, oc) || cp != op || int(cw) != int(ow) {
		t.Fatalf("Unwrap(%q) = %q %v %v, want %q %v %v", line, cc, cp, cw, oc, op, ow)
	}
	for _, field := range diffTimeFields(line) {
		cms, cprec, cok := accesslog.ParseTime(field)
		oms, oprec, ook := oracle.ParseTime(field)
		if cms != oms || cprec != oprec || cok != ook {
			t.Fatalf("ParseTime(%q) = %d %d %v, want %d %d %v", field, cms, cprec, cok, oms, oprec, ook)
		}
	}
}

// diffTimeFields returns the line and the parts of it between brackets and
// quotes: candidates for ParseTime.
func diffTimeFields(line []byte) [][]byte {
	out := [][]byte{line}
	for _, sep := range []string{"[]", `""`} {
		for rest := line; ; {
			i := bytes.IndexByte(rest, sep[0])
			if i < 0 {
				break
			}
			rest = rest[i+1:]
			j := bytes.IndexByte(rest, sep[1])
			if j < 0 {
				break
			}
			out = append(out, rest[:j])
			rest = rest[j+1:]
		}
	}
	return out
}

// diffSeeds are lines of every format, real-looking (perFormat of each
// benchmark format) and odd.
func diffSeeds(t testing.TB, perFormat int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, format := range benchlines.Formats {
		for i := range perFormat {
			l, err := benchlines.Line(nil, format, i*97)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
	}
	for _, s := range diffExtraSeeds {
		out = append(out, []byte(s))
	}
	return out
}

var diffExtraSeeds = []string{
	`{"time":"2026-11-22T05:13:47Z","request_id":"r1","status":429,"body":{"error":{"code":"rate_limited","details":{"retryAfter":12}}}}`,
	`{"request_id":"r1","response_body":"{\"error\":\"x\",\"apiKey\":\"k_live_77777777\"}"}`,
	`{"error":"invalid_credentials","message":"The API key or secret is incorrect.","requestId":"req_01"}`,
	`{"request":{"method":"GET","uri":"\/x","headers":{"Authorization":["Bearer tok-abcdef"],"x-api-key":"k"}},"consumer":{"username":"acme"},"latencies":{"request":8},"started_at":1564527732516}`,
	`{"request":"GET /v1/x?api_key=sk_live_4f9a8b7c6d5e HTTP/1.1","http_x_api_key":"sk_live_4f9a8b7c6d5e","time":"2026-11-22T05:13:47Z","sent_http_retry_after":"Sun, 22 Nov 2026 05:14:17 GMT"}`,
	`caddy  | {"ts":1761019828.6153953,"request":{"client_ip":"172.19.0.1","method":"GET","uri":"/","headers":{"User-Agent":["curl/8"],"X-Request-Id":[42]}},"duration":0.0016,"status":304,"resp_headers":{"Retry-After":["120"]}}`,
	`{"when":"1795324427123","code":"503","took":1500000,"url.path":"/a\u002fb","err":{"message":"down"},"trace":"t-1","status":200}`,
	`{"status":true}`, `{"time":[1, 2 ,{"a" : "b\"c"}]}`, `{"status":{ "x" : nan }}`, `{"status":-Inf}`, `{"status":NaN,"path":"/x"}`,
	`{"st\u0061tus":"200","p\u00e1th":"x","path":"\ud83d\ude00\ud800\u12\x"}`,
	`{"a":1,"a":2,"status":"200","status":"201","path":"-","path":"/p"}`,
	`{"path":"/x"} `, `{"path":"/x"}}`, `{"path":"/x",}`, `{"path" "/x"}`, `{"path":"/x`, `{"path":"/x\`, `{"path":"/x\"}`,
	`{"error.responseType":"THROTTLED","request.method":"GET","x.y.path":"/q","http_x_request_id":"hx","request_User-Agent":"tr"}`,
	`{"x_forwarded_for":"203.0.113.9, 10.0.0.1","remote_addr":"10.0.0.2:443","duration":12,"upstream_host":"10.1.1.1:80","response_flags":"UF,URX"}`,
	`{"routeKey":"GET /pets/{id}","status":"200","requestTimeEpoch":"1795324427123"}`,
	`{"routeKey":"$default","path":"/x","retry_after":"1.5","ratelimit_limit":"100, 100;w=60","x_ratelimit_remaining":"0","ratelimit_reset":"30"}`,
	`{"type":"https://example.com/probs/rate","title":"Too Many","status":429,"detail":"slow down"}`,
	`{"message":"nope","code":42}`, `{}`, `{ }`, `{"a":{}}`, `{"a":[]}`, `{"a":[{}]}`, `[]`, `"x"`, ``, ` `,
	"\ufeff{\"path\":\"/x\"}", "{\"path\":\"/x\"}\v", "\v{\"path\":\"/x\"}", "{\"path\":\"/x\xff\",\"\xffk\":\"\\ud800\"}",
	`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"method":"GET"}}}}}}}}}}`,
	`{"headers":{"authorization":"Basic dXNlcjpwYXNz","x-ratelimit-limit":["60"]},"path":"/v1/dXNlcjpwYXNz"}`,
	`{"time":"22/Nov/2026:05:13:47 +0000","msec":1795324427.5,"time_local":"x"}`,
	`{"time":1.795324427123e9,"status":"2e2","bytes_sent":"12","latency_ms":"3.5"}`,
	`203.0.113.7 - - [22/Nov/2026:05:13:01 +0000] "POST /v1/bookings HTTP/1.1" 429 87 "-" "acme-sdk/2.1"`,
	`api.example.com:443 "203.0.113.53, 198.51.100.3" 10.1.0.8 - - [22/Nov/2026:05:13:10 +0000] "GET /d HTTP/1.1" 200 1 0.002 "-" "x" "-" junk`,
	`2001:db8::2, 10.1.0.6 10.1.0.7 - - [22/Nov/2026:05:13:09 +0000] "" 400 0`,
	`[2026-11-22T05:13:01.250Z] "POST /v1/payments HTTP/2" 429 RL 312 98 3 - "203.0.113.9, 10.0.0.1" "bot" "5b0e6f1c" "api" "-"`,
	`[2026-11-22T05:13:04.321Z] "- - -" 0 UF,URX 0 0 12 - "-" "-" "-" "-" "10.2.0.9:5432"`,
	`gateway-1   | 2026-11-22T05:13:11.918273645Z [2026-11-22T05:13:11.900Z] "GET /z HTTP/1.1" 503 UF x{a,b} - "-" 0 24 1 - "-" "c" "i" "h" "u" extra - default`,
	`2022-07-22T12:24:12.325744791Z stdout F 10.0.0.1 - - [22/Jul/2022:12:24:12 +0000] "GET / HTTP/1.1" 200 12`,
	`{"log":"10.0.0.1 - - [22/Jul/2022:12:24:12 +0000] \"GET / HTTP/1.1\" 200 12\n","stream":"stdout","time":"2022-07-22T12:24:12.325744791Z"}`,
	`{"log":"a\n","stream":"stdout","time":"t","log":"b\n"}`,
	`{"l\u006fg":"x\r\n","stream":"stderr","time":"t"}`,
	`{"log":"{\"status\":200}","stream":"std\u006fut","time":"t","attrs":{}}`,
	`{"log":"x\n","stream":"stdout","time":"t","attrs":{},"extra":1}`,
	`{"log":"x\n", "st\u0072eam":"stdout","time":"t","stream":"stderr"}`,
	`{"log":"x\n","time":"t","stream":"stdout","l\u006fg":"y"} `,
	`{"log":null,"stream":"stdout","time":"t"}`,
	`https 2026-11-22T05:13:47.123456Z app/my-lb/50dc6c495c0c9188 203.0.113.9:2817 10.0.0.1:80 0.000 0.001 0.000 429 429 34 366 "GET https://api.example.com:443/v1/x?y=1 HTTP/1.1" "curl/8" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:1:targetgroup/t/1 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2026-11-22T05:13:47.000000Z "forward" "-" "-" "10.0.0.1:80" "429" "-" "-"`,
}

// diffMutations calls f with mutations of line: every truncation, and
// each byte deleted, doubled or replaced by one of a few bytes that matter
// to the grammars.
func diffMutations(line []byte, f func([]byte)) {
	const subst = "\\\"{}[],: -\xffu0"
	buf := make([]byte, 0, len(line)+1)
	for i := 0; i <= len(line); i++ {
		f(line[:i])
		if i == len(line) {
			break
		}
		f(append(append(buf[:0], line[:i]...), line[i+1:]...))
		f(append(append(buf[:0], line[:i+1]...), line[i:]...))
		for _, c := range []byte(subst) {
			if c != line[i] {
				b := append(buf[:0], line...)
				b[i] = c
				f(b)
			}
		}
	}
}

// TestParseDiffMutations compares the parsers with the oracle on
// real-looking lines of every format and on their mutations.
func TestParseDiffMutations(t *testing.T) {
	pairs := newDiffPairs(t)
	seeds := diffSeeds(t, 1)
	if testing.Short() {
		seeds = seeds[:8]
	}
	for _, line := range seeds {
		diffParse(t, pairs, line)
		diffMutations(line, func(m []byte) { diffParse(t, pairs, m) })
	}
}

// TestParseDiffReal compares the parsers with the oracle on every line of
// the real-world corpus (read in place) and the repository's own access
// logs, whole and, for the JSON lines, with each byte deleted.
func TestParseDiffReal(t *testing.T) {
	files := realLogFiles(t)
	if len(files) == 0 {
		t.Fatal("no real log files found")
	}
	pairs := newDiffPairs(t)
	lines := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for line := range bytes.Lines(data) {
			line = bytes.TrimRight(line, "\n")
			diffParse(t, pairs, line)
			lines++
		}
	}
	t.Logf("%d lines of %d files parse the same", lines, len(files))
}

// FuzzParseDiff compares the parsers with the oracle on arbitrary bytes,
// with fresh parsers and with parsers that have read the previous input.
func FuzzParseDiff(f *testing.F) {
	for _, s := range diffSeeds(f, 8) {
		f.Add(s)
	}
	used := newDiffPairs(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		diffParse(t, newDiffPairs(t), line)
		diffParse(t, used, line)
	})
}
