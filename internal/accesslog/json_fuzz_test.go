package accesslog

import (
	"bytes"
	"errors"
	"testing"
)

// jsonFuzzSeeds start FuzzJSON off; more live in testdata/fuzz/FuzzJSON/.
var jsonFuzzSeeds = []string{
	benchNginxJSON,
	benchAPIGW,
	`{"requestId":"GQIVriFLIAMEMsA=","routeKey":"GET /pets/{id}","status":"200","requestTimeEpoch":"1795324427123"}`,
	`{"time":"2026-11-22T05:13:47Z","request_id":"r1","status":429,"body":{"error":{"code":"rate_limited","details":{"retryAfter":12}}}}`,
	`{"request_id":"r1","response_body":"{\"error\":\"x\",\"apiKey\":\"k_live_77777777\"}"}`,
	`{"error":"invalid_credentials","message":"The API key or secret is incorrect.","requestId":"req_01"}`,
	`{"request":{"method":"GET","uri":"\/x","headers":{"Authorization":["Bearer tok-abcdef"],"x-api-key":"k"}},"consumer":{"username":"acme"},"latencies":{"request":8},"started_at":1564527732516}`,
	`{"request":"GET /v1/x?api_key=sk_live_4f9a8b7c6d5e HTTP/1.1","http_x_api_key":"sk_live_4f9a8b7c6d5e","time":"2026-11-22T05:13:47Z","sent_http_retry_after":"Sun, 22 Nov 2026 05:14:17 GMT"}`,
	`caddy  | {"ts":1761019828.6153953,"request":{"client_ip":"172.19.0.1","method":"GET","uri":"/"},"duration":0.0016,"status":304}`,
	`{"status":200,}`,
	`{"status":"OK"}`,
	"{\"path\":\"/x\xff\",\"\xffk\":\"\\ud800\"}",
	`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"method":"GET"}}}}}}}}}}`,
}

// FuzzJSON checks what must hold for any input: no panic; a rejection is a
// *ParseError with a known reason; an accepted line has a status of at most
// 999, byte fields that are nil or non-empty and lie in the line or the
// parser's buffers, no credential outside Secret, and parses the same way
// after another line as with a fresh parser.
func FuzzJSON(f *testing.F) {
	for _, s := range jsonFuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		line = bytes.Clone(line)
		fresh := NewParser(FormatJSONL)
		var r Record
		err := fresh.Parse(line, &r)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			switch pe.Reason {
			case "bad_json", "no_fields", "bad_time", "bad_status", "bad_request_line":
			default:
				t.Fatalf("unknown reason %q", pe.Reason)
			}
			return
		}
		if r.Status > 999 {
			t.Fatalf("Status = %d", r.Status)
		}
		for name, b := range recordSlices(&r) {
			if b != nil && len(b) == 0 {
				t.Errorf("%s is empty but not nil", name)
			}
			if len(r.Secret) >= minSecretLen && name != "Secret" && bytes.Contains(b, r.Secret) {
				t.Errorf("%s = %q holds the secret %q", name, b, r.Secret)
			}
		}
		checkJSONAliasing(t, fresh, line, &r)
		want := fmtJSONRecord(&r)

		// The same line after another one, with a parser whose buffers
		// are already in use.
		used := NewParser(FormatJSONL)
		var r2 Record
		if err := used.Parse([]byte(benchAPIGW), &r2); err != nil {
			t.Fatal(err)
		}
		if err := used.Parse(line, &r2); err != nil {
			t.Fatalf("second parse: %v", err)
		}
		if got := fmtJSONRecord(&r2); got != want {
			t.Fatalf("parsed after another line:\n got: %s\nwant: %s", got, want)
		}
		checkJSONAliasing(t, used, line, &r2)
	})
}
