package loggen_test

// These tests re-read a generated sample with parsers of their own (regular
// expressions and encoding/json, nothing from ratescope) and check that
// every line is in the format its file claims and that the manifest's
// ground truth is what the files really hold.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/loggen"
	"github.com/ratescope/ratescope/internal/retry"
)

func TestEveryLineIsInItsFormatOrListedAsRejected(t *testing.T) {
	forEachSample(t, func(t *testing.T, s *reread) {
		for _, f := range s.m.Files {
			t.Run(f.Name, func(t *testing.T) {
				var want []int
				for _, r := range f.Rejected {
					want = append(want, int(r.Line))
					if r.Line < 1 || int(r.Line) > len(s.lines[f.Name]) || s.offsets[f.Name][r.Line-1] != r.Offset {
						t.Errorf("rejected line %d: offset %d does not start that line", r.Line, r.Offset)
					}
				}
				if !slices.Equal(s.bad[f.Name], want) {
					t.Errorf("lines this test rejects %v, manifest lists %v", s.bad[f.Name], want)
				}
				if len(want) == 0 {
					t.Error("no malformed line at all")
				}
				if first := slices.Min(append(want, 1<<30)); first <= 20 {
					t.Errorf("malformed line %d is among the first 20 lines, which format detection reads", first)
				}
				if int64(len(s.lines[f.Name])) != f.Lines || s.records[f.Name] != f.Records {
					t.Errorf("lines/records = %d/%d, manifest %d/%d", len(s.lines[f.Name]), s.records[f.Name], f.Lines, f.Records)
				}
				if s.distinct[f.Name] != f.RequestIDs || f.Records-f.RequestIDs != f.Duplicates {
					t.Errorf("distinct ids = %d, manifest %d (duplicates %d)", s.distinct[f.Name], f.RequestIDs, f.Duplicates)
				}
			})
		}
		kinds := map[string]bool{}
		for _, f := range s.m.Files {
			for _, r := range f.Rejected {
				kinds[r.Kind] = true
			}
		}
		for _, k := range []string{loggen.MalformedTruncated, loggen.MalformedGarbage, loggen.MalformedInvalidUTF8, loggen.MalformedNonNumericStatus} {
			if !kinds[k] {
				t.Errorf("no malformed line of kind %s", k)
			}
		}
	})
}

func TestManifestCountsMatchTheFiles(t *testing.T) {
	forEachSample(t, func(t *testing.T, s *reread) {
		m := s.m
		requests := int64(len(s.access) + len(s.synthetic))
		var errs int64
		byStatus := map[string]int64{}
		all := slices.Collect(maps.Values(s.access))
		all = append(all, s.synthetic...)
		for _, a := range all {
			byStatus[strconv.Itoa(a.status)]++
			if a.status >= 400 {
				errs++
			}
			if a.at.Before(m.Start) || a.at.After(m.End) {
				t.Errorf("%s request at %v is outside %v..%v", a.file, a.at, m.Start, m.End)
			}
		}
		if requests != m.Requests || int64(len(s.synthetic)) != m.SyntheticRequests || errs != m.Errors {
			t.Errorf("requests/synthetic/errors = %d/%d/%d, manifest %d/%d/%d", requests, len(s.synthetic), errs, m.Requests, m.SyntheticRequests, m.Errors)
		}
		if !maps.Equal(byStatus, m.ByStatus) {
			t.Errorf("by status = %v, manifest %v", byStatus, m.ByStatus)
		}
		var rejected, dups int64
		for _, f := range m.Files {
			rejected += int64(len(s.bad[f.Name]))
			if f.CopyOf == "" {
				dups += f.Records - s.distinct[f.Name]
			}
		}
		if rejected != m.RejectedLines || dups != m.DuplicateLines || dups == 0 {
			t.Errorf("rejected/duplicates = %d/%d, manifest %d/%d", rejected, dups, m.RejectedLines, m.DuplicateLines)
		}
		identical := int64(0)
		seen := map[string]bool{}
		for i, line := range s.lines[loggen.FileNginx] {
			if !slices.Contains(s.bad[loggen.FileNginx], i+1) && seen[line] {
				identical++
			}
			seen[line] = true
		}
		if identical != m.IdenticalNginxLines || identical == 0 {
			t.Errorf("identical nginx lines = %d, manifest %d", identical, m.IdenticalNginxLines)
		}
		if got := slices.Sorted(maps.Keys(s.partners)); !slices.Equal(got, m.PartnerIDs) {
			t.Errorf("partner ids = %v, manifest %v", got, m.PartnerIDs)
		}
	})
}

func TestOverlapIsAVerbatimStretchOfAPIGW(t *testing.T) {
	forEachSample(t, func(t *testing.T, s *reread) {
		over, full := s.lines[loggen.FileAPIGWOverlap], s.lines[loggen.FileAPIGW]
		if len(over) < 10 {
			t.Fatalf("overlap has only %d lines", len(over))
		}
		start := slices.Index(full, over[0])
		if start < 0 || start+len(over) > len(full) || !slices.Equal(full[start:start+len(over)], over) {
			t.Fatalf("%s is not a contiguous copy of lines of %s", loggen.FileAPIGWOverlap, loggen.FileAPIGW)
		}
		if start == 0 || start+len(over) == len(full) {
			t.Errorf("overlap copies an end of apigw.log (lines %d..%d of %d), want the middle", start+1, start+len(over), len(full))
		}
	})
}

// Status of each machine code on the seed pages.
var seedCodes = map[string][]int{
	// MoovLogic (001)
	"invalid_credentials": {401}, "token_expired": {401}, "token_missing": {401}, "insufficient_permission": {403},
	"booking_not_found": {404}, "service_type_not_found": {404}, "no_pricing_available": {422}, "pickup_in_past": {422},
	"invalid_status_transition": {422}, "booking_not_cancellable": {422}, "validation_error": {400}, "rate_limit_exceeded": {429},
	// MVMNT (002)
	"BAD_REQUEST": {400}, "UNAUTHORIZED": {401}, "NOT_FOUND": {404}, "DUPLICATE_KEY": {409}, "VALIDATION_ERROR": {422},
	"RATE_LIMIT_EXCEEDED": {429}, "INTERNAL_ERROR": {500},
	// 003
	"INVALID_REQUEST": {400}, "UNAUTHENTICATED": {401}, "TOKEN_EXPIRED": {401}, "PREMIUM_REQUIRED": {403}, "FORBIDDEN": {403},
	"SESSION_FULL": {409}, "ALREADY_BOOKED": {409}, "RATE_LIMITED": {429}, "UPSTREAM_TIMEOUT": {504},
	// Moonborn (004)
	"unauthorized": {401}, "forbidden": {403}, "not_found": {404}, "validation_failed": {422}, "idempotency_conflict": {409},
	"state_conflict": {409}, "drift_blocked": {409}, "audit_blocked": {409}, "moderation_blocked": {422}, "rate_limited": {429},
	"quota_exceeded": {429}, "provider_error": {502}, "provider_timeout": {504}, "internal_error": {500},
}

func TestErrorBodiesMatchTheirRequestsAndTheSeeds(t *testing.T) {
	forEachSample(t, func(t *testing.T, s *reread) {
		m := s.m
		shapes, codes := map[string]int64{}, map[string]int64{}
		placements := map[string]int64{}
		var fieldErrs int64
		codeOf := map[string]string{}
		variants := map[string]bool{}
		for id, recs := range s.bodies {
			a := s.access[id]
			if a == nil {
				t.Errorf("error body for %s, which no access line has", id)
				continue
			}
			for _, r := range recs[1:] {
				if !bytes.Equal(mustJSON(t, r.body), mustJSON(t, recs[0].body)) {
					t.Errorf("request %s has two different bodies", id)
				}
			}
			r := recs[0]
			if a.status < 400 {
				t.Errorf("request %s has status %d and an error body", id, a.status)
			}
			if r.status != 0 && r.status != a.status {
				t.Errorf("error-log line of %s says status %d, access line %d", id, r.status, a.status)
			}
			shape, code, fields := bodyShape(r.body)
			shapes[shape]++
			fieldErrs += int64(fields)
			if code != "" {
				codes[code]++
				codeOf[id] = code
				if want, ok := seedCodes[code]; ok && !slices.Contains(want, a.status) {
					t.Errorf("code %s with status %d; the seed page says %v", code, a.status, want)
				}
			}
			switch {
			case r.file == loggen.FileNginxJSON:
				placements["embedded"]++
				variants["embedded JSON string (resp_body)"] = true
			case r.file == loggen.FileGateway:
				placements["embedded"]++
				variants["embedded object (response_body)"] = true
			case r.status != 0:
				placements["error_log"]++
				switch {
				case strings.HasPrefix(r.raw, `{"@timestamp":`) && strings.Contains(r.raw, `"req_id":`):
					variants["error log with @timestamp, req_id, status_code"] = true
				case strings.HasPrefix(r.raw, `{"timestamp":`) && strings.Contains(r.raw, `"x_request_id":`):
					variants["error log with timestamp (ms), x_request_id, response_code"] = true
				case strings.Contains(r.raw, `"body":"{`):
					variants["error log with the body as JSON text"] = true
				}
			default:
				placements["bare"]++
				variants["bare envelope with requestId"] = true
				if rid, _ := str(r.body, "requestId"); rid != id {
					t.Errorf("bare envelope requestId %q", rid)
				}
			}
			// Which forms of each seed's envelope are present.
			switch shape {
			case "message_status":
				if sc, ok := num(r.body, "status_code"); ok {
					variants["Movmo status_code"] = true
					if int(sc) != a.status {
						t.Errorf("Movmo status_code %d on a %d", sc, a.status)
					}
				} else {
					variants["Movmo without status_code"] = true
				}
				if _, ok := str(r.body, "details"); ok {
					variants["Movmo details string"] = true
				}
				if fields > 0 {
					variants["Movmo fields map"] = true
				}
			case "error_string":
				if fields > 0 {
					variants["MoovLogic errors[]"] = true
				}
				if _, ok := str(r.body, "requestId"); ok {
					variants["MoovLogic requestId"] = true
				}
			case "error_object":
				d := r.body["error"].(map[string]any)["details"]
				if _, ok := d.([]any); ok {
					variants["MVMNT details[]"] = true
				}
				if dm, ok := d.(map[string]any); ok {
					if _, ok := num(dm, "retryAfter"); ok {
						variants["Moonborn details.retryAfter"] = true
					}
				}
			case "success_errorcode":
				if fields > 0 {
					variants["success/errorCode details.fields[]"] = true
				}
				if d, ok := r.body["details"].(map[string]any); ok {
					if _, ok := num(d, "retryAfter"); ok {
						variants["success/errorCode details.retryAfter"] = true
					}
				}
			case "problem":
				variants["RFC 7807 problem"] = true
				if st, _ := num(r.body, "status"); int(st) != a.status {
					t.Errorf("problem status %d on a %d", st, a.status)
				}
			default:
				t.Errorf("body of %s has no known shape: %s", id, r.raw)
			}
		}
		for _, v := range []string{"Movmo status_code", "Movmo without status_code", "Movmo details string", "Movmo fields map",
			"MoovLogic errors[]", "MoovLogic requestId", "MVMNT details[]", "Moonborn details.retryAfter",
			"success/errorCode details.fields[]", "success/errorCode details.retryAfter", "RFC 7807 problem",
			"embedded JSON string (resp_body)", "embedded object (response_body)", "bare envelope with requestId",
			"error log with @timestamp, req_id, status_code", "error log with timestamp (ms), x_request_id, response_code",
			"error log with the body as JSON text"} {
			if !variants[v] {
				t.Errorf("no error body of the form %q", v)
			}
		}
		if int64(len(s.bodies)) != m.ErrorBodies || fieldErrs != m.FieldErrors {
			t.Errorf("bodies/field errors = %d/%d, manifest %d/%d", len(s.bodies), fieldErrs, m.ErrorBodies, m.FieldErrors)
		}
		for name, got := range map[string][2]map[string]int64{"shapes": {shapes, m.Shapes}, "codes": {codes, m.Codes}, "placements": {placements, m.BodyPlacement}} {
			if !maps.Equal(got[0], got[1]) {
				t.Errorf("%s = %v, manifest %v", name, got[0], got[1])
			}
		}

		// errors --by code,status
		rows := map[loggen.CodeStatusCount]bool{}
		counts := map[[2]string]int64{}
		for id, a := range s.access {
			if a.status >= 400 {
				code := codeOf[id]
				if code == "" {
					code = a.errType // API Gateway's error type, Envoy's response flags
				}
				counts[[2]string{code, strconv.Itoa(a.status)}]++
			}
		}
		for _, a := range s.synthetic {
			if a.status >= 400 {
				counts[[2]string{"", strconv.Itoa(a.status)}]++
			}
		}
		for k, n := range counts {
			st, _ := strconv.Atoi(k[1])
			rows[loggen.CodeStatusCount{Code: k[0], Status: st, Count: n}] = true
		}
		want := map[loggen.CodeStatusCount]bool{}
		for _, r := range m.ErrorsByCodeStatus {
			want[r] = true
		}
		if !maps.Equal(rows, want) {
			t.Errorf("errors by code,status differ: recounted %d rows, manifest %d", len(rows), len(want))
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSecretsAreAllListed(t *testing.T) {
	forEachSample(t, func(t *testing.T, s *reread) {
		found := map[string][]string{}
		inRejected := map[string]bool{}
		for _, f := range s.m.Files {
			for i, line := range s.lines[f.Name] {
				var hits []string
				hits = append(hits, apiKeyRE.FindAllString(line, -1)...)
				hits = append(hits, bearerRE.FindAllString(line, -1)...)
				for _, q := range queryKeyRE.FindAllStringSubmatch(line, -1) {
					if !apiKeyRE.MatchString(q[1]) {
						t.Errorf("%s:%d: query api_key %q is not a whole key", f.Name, i+1, q[1])
					}
				}
				for _, h := range hits {
					if !slices.Contains(found[h], f.Name) {
						found[h] = append(found[h], f.Name)
					}
					if slices.Contains(s.bad[f.Name], i+1) {
						inRejected[h] = true
					}
				}
			}
		}
		listed := map[string]loggen.Secret{}
		for _, sec := range s.m.Secrets {
			listed[sec.Value] = sec
		}
		if len(found) == 0 || len(found) != len(listed) {
			t.Errorf("found %d distinct secrets in the files, manifest lists %d", len(found), len(listed))
		}
		kinds := map[string]bool{}
		for v, files := range found {
			sec, ok := listed[v]
			if !ok {
				t.Errorf("secret %.16s… is in %v but not in the manifest", v, files)
				continue
			}
			sort.Strings(files)
			if !slices.Equal(files, sec.Files) || inRejected[v] != sec.InRejectedLines {
				t.Errorf("secret %.16s…: files %v (rejected %v), manifest %v (%v)", v, files, inRejected[v], sec.Files, sec.InRejectedLines)
			}
			kinds[sec.Kind] = true
		}
		if !kinds["api_key"] || !kinds["bearer"] || len(inRejected) == 0 {
			t.Errorf("want raw API keys, bearer tokens and a secret in a rejected line; got kinds %v, %d in rejected lines", kinds, len(inRejected))
		}
		var anonymous bool
		for _, sec := range s.m.Secrets {
			anonymous = anonymous || (sec.Partner == "" && len(sec.Unattributed) > 0)
		}
		if !anonymous {
			t.Error("no raw key that belongs to no partner")
		}
	})
}

// retryViolations applies the product's definitions to a sequence.
// retryViolations judges the attempts re-read from the files by the
// product's rules (retry.Violations): the manifest must state the same.
func retryViolations(seq []*access, retryAfter []int) []string {
	attempts := make([]retry.Attempt, len(seq))
	for i, a := range seq {
		attempts[i] = retry.Attempt{TimeMs: a.at.UnixMilli(), Status: uint16(a.status), RetryAfter: int32(max(retryAfter[i], 0))}
	}
	key := retry.Key{Method: seq[0].method, IdempotencyKey: seq[0].idem}
	out := []string{}
	for _, v := range retry.Violations(&key, attempts) {
		out = append(out, string(v))
	}
	return out
}

func TestRetrySequencesAreInTheFiles(t *testing.T) {
	forEachSample(t, func(t *testing.T, s *reread) {
		if len(s.m.RetryStorms) < 5 || len(s.m.WellBehaved) < 2 {
			t.Fatalf("%d storms and %d well-behaved sequences", len(s.m.RetryStorms), len(s.m.WellBehaved))
		}
		violations := map[string]bool{}
		for _, seq := range append(slices.Clone(s.m.RetryStorms), s.m.WellBehaved...) {
			t.Run(seq.Name, func(t *testing.T) {
				if len(seq.RequestIDs) != seq.Attempts || seq.Retries != seq.Attempts-1 || len(seq.Statuses) != seq.Attempts {
					t.Fatalf("attempts %d, retries %d, %d ids, %d statuses", seq.Attempts, seq.Retries, len(seq.RequestIDs), len(seq.Statuses))
				}
				var got []*access
				var ras []int
				for i, id := range seq.RequestIDs {
					a := s.access[id]
					if a == nil {
						t.Fatalf("attempt %s is in no access file", id)
					}
					if a.file != seq.File || a.ip != seq.ClientIP || a.method != seq.Method || a.path != seq.Path || a.partner != seq.Partner || a.status != seq.Statuses[i] {
						t.Errorf("attempt %d: %s %s %s %s %q %d, manifest %s %s %s %s %q %d", i, a.file, a.ip, a.method, a.path, a.partner, a.status,
							seq.File, seq.ClientIP, seq.Method, seq.Path, seq.Partner, seq.Statuses[i])
					}
					ra := a.retryAfter
					if bodies := s.bodies[id]; ra < 0 && len(bodies) > 0 {
						ra = bodyRetryAfter(bodies[0].body)
					}
					got = append(got, a)
					ras = append(ras, ra)
				}
				var gaps []int64
				for i := 1; i < len(got); i++ {
					gap := got[i].at.Sub(got[i-1].at).Milliseconds()
					if gap <= 0 || gap > 60_000 || got[i-1].status < 400 {
						t.Errorf("attempt %d: gap %d ms after a %d is not a retry", i, gap, got[i-1].status)
					}
					gaps = append(gaps, gap)
				}
				slices.Sort(gaps)
				median := gaps[len(gaps)/2]
				if len(gaps)%2 == 0 {
					median = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
				}
				if median != seq.MedianGapMs {
					t.Errorf("median gap %d ms, manifest %d", median, seq.MedianGapMs)
				}
				if v := retryViolations(got, ras); !slices.Equal(v, seq.Violations) {
					t.Errorf("violations %v, manifest %v", v, seq.Violations)
				}
				for _, v := range seq.Violations {
					violations[v] = true
				}
			})
		}
		inStorm := slices.ContainsFunc(s.m.RetryStorms, func(q loggen.Sequence) bool { return slices.Contains(q.RequestIDs, s.m.ExampleRequestID) })
		if !inStorm || len(s.bodies[s.m.ExampleRequestID]) == 0 {
			t.Errorf("example request %q: in a storm %v, with a logged body %v", s.m.ExampleRequestID, inStorm, len(s.bodies[s.m.ExampleRequestID]) > 0)
		}
		for _, seq := range s.m.WellBehaved {
			if len(seq.Violations) != 0 {
				t.Errorf("well-behaved %s has violations %v", seq.Name, seq.Violations)
			}
		}
		for _, v := range []string{"no_backoff", "ignored_retry_after", "retried_non_retryable", "missing_idempotency_key"} {
			if !violations[v] {
				t.Errorf("no storm shows %s", v)
			}
		}
	})
}

func TestRateLimitGroundTruth(t *testing.T) {
	forEachSample(t, func(t *testing.T, s *reread) {
		limits := map[[2]string]loggen.RateLimit{}
		for _, r := range s.m.RateLimits {
			limits[[2]string{r.Subject, r.Limit}] = r
		}
		// The product's window (ratelimit.Window) slides by the
		// millisecond over the times as the lines carry them.
		peak := func(times []time.Time, window time.Duration) int64 {
			sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
			best, lo := 0, 0
			for hi := range times {
				for times[hi].Sub(times[lo]) >= window {
					lo++
				}
				best = max(best, hi-lo+1)
			}
			return int64(best)
		}

		var acme, waf []time.Time
		var blocked int64
		for _, a := range s.access {
			if a.partner == "k-acme01" || a.partner == "k-acme02" {
				acme = append(acme, a.at)
			}
			if a.ip == "192.0.2.150" && strings.HasPrefix(a.path, "/v1/users/me/contact/") {
				waf = append(waf, a.at)
				if a.errType == "WAF_FILTERED" {
					blocked++
				}
			}
		}
		api := limits[[2]string{"acme", "ApiPolicy"}]
		if got := peak(acme, time.Minute); got != api.Peak || got < 48 || got > 60 || api.State != "near" {
			t.Errorf("acme peaks at %d requests a minute (manifest %d, state %s); want near its 60/min ApiPolicy", got, api.Peak, api.State)
		}
		w := limits[[2]string{"192.0.2.150", "waf-contact"}]
		if got := peak(waf, 5*time.Minute); got != w.Peak || got <= 20 || blocked == 0 || blocked != w.Throttled || w.State != "over" {
			t.Errorf("192.0.2.150 peaks at %d contact requests per 5 min with %d blocked (manifest %d, %d, %s)", got, blocked, w.Peak, w.Throttled, w.State)
		}
		want := map[string]string{"acme": "near", "globex": "over", "hooli": "over", "initech": "over", "umbrella": "ok"}
		if s.defaultSize() && !maps.Equal(s.m.PartnerStates, want) {
			t.Errorf("partner states %v, want %v", s.m.PartnerStates, want)
		}
		plans, err := os.ReadFile(filepath.Join(s.dir, loggen.PlansName))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(plans))
		var mentions int
		for sc.Scan() {
			for _, p := range s.m.Partners {
				if strings.Contains(sc.Text(), "name: "+p.Name+",") && strings.Contains(sc.Text(), "plan: "+p.Plan+"}") {
					mentions++
				}
			}
		}
		if mentions != len(s.m.Partners) {
			t.Errorf("ratescope.yaml maps %d of %d partners to their plans", mentions, len(s.m.Partners))
		}
	})
}
