package report

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/errbody"
	"github.com/ratescope/ratescope/internal/retry"
)

// scenarioAttempts returns the attempts of the scenario whose first id is
// prefix-0.
func scenarioAttempts(t *testing.T, scs []stormScenario, prefix string) []attempt {
	t.Helper()
	for _, sc := range scs {
		if sc.as[0].id == prefix+"-0" {
			return sc.as
		}
	}
	t.Fatalf("no scenario %s", prefix)
	return nil
}

// wantAttempt is what an attempt of a request report must show.
type wantAttempt struct {
	id     string
	status uint16
	code   string
	ra     int32 // -1: null
}

func TestLookupRequest(t *testing.T) {
	ctx := context.Background()
	db := chtest.MigratedDB(t)
	scs := retryScenarios()
	// A logical request longer than the first span searched (10 minutes
	// each side): a failure every 50 s for 20 minutes.
	long := client{"acme", "10.0.2.1", "GET", "/v1/slow", ""}.chain("long", time.Date(2026, 3, 1, 14, 0, 0, 500e6, time.UTC),
		gapsOf(24, 50*time.Second), 503)
	rows := append(allAttempts(scs), long...)
	insertAttempts(t, db, rows)
	insertOrphanBody(t, db, "orphan-1", time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC))

	// check looks id up and compares its attempts with as[lo:hi] (this at
	// as[this]) and want's codes and Retry-After values.
	check := func(t *testing.T, id string, as []attempt, lo, hi, this int, want []wantAttempt, violations []retry.Violation) RequestDetail {
		t.Helper()
		d, err := LookupRequest(ctx, chquery.New(db), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Request == nil || d.Request.RequestID != id || !d.Request.Time.Equal(as[this].at) {
			t.Fatalf("request %+v, want %s at %s", d.Request, id, as[this].at)
		}
		if len(d.Attempts) != hi-lo {
			t.Fatalf("%d attempts, want %d: %+v", len(d.Attempts), hi-lo, d.Attempts)
		}
		for i, got := range d.Attempts {
			a := as[lo+i]
			if got.RequestID != a.id || !got.Time.Equal(a.at) || got.Status != a.status || got.This != (lo+i == this) {
				t.Errorf("attempt %d: %+v, want %s at %s status %d this %v", i, got, a.id, a.at, a.status, lo+i == this)
			}
			switch {
			case i == 0 && got.GapMs != nil:
				t.Errorf("attempt 0: gap %d, want null", *got.GapMs)
			case i > 0 && (got.GapMs == nil || *got.GapMs != a.at.Sub(as[lo+i-1].at).Milliseconds()):
				t.Errorf("attempt %d: gap %v, want %d", i, got.GapMs, a.at.Sub(as[lo+i-1].at).Milliseconds())
			}
			if want != nil {
				w := want[i]
				gotRA := int32(-1)
				if got.RetryAfter != nil {
					gotRA = *got.RetryAfter
				}
				if got.Code != w.code || gotRA != w.ra {
					t.Errorf("attempt %d: code %q retry-after %d, want %q %d", i, got.Code, gotRA, w.code, w.ra)
				}
			}
		}
		if !slices.Equal(d.Violations, violations) || d.Violations == nil {
			t.Errorf("violations %#v, want %v", d.Violations, violations)
		}
		return d
	}

	run := func(round string) {
		t.Run(round+"/middle of a chain, body logged separately", func(t *testing.T) {
			as := scenarioAttempts(t, scs, "rabody")
			want := []wantAttempt{
				{"rabody-0", 429, "rate_limited", 3}, {"rabody-1", 429, "rate_limited", 3}, {"rabody-2", 429, "rate_limited", 3},
				{"rabody-3", 429, "rate_limited", 3}, {"rabody-4", 429, "rate_limited", 3}, {"rabody-5", 200, "", -1},
			}
			d := check(t, "rabody-2", as, 0, 6, 2, want, []retry.Violation{retry.IgnoredRetryAfter})
			// insertAttempts puts row i at offset 100·i.
			wantOffset := uint64(slices.IndexFunc(rows, func(a attempt) bool { return a.id == "rabody-2" })) * 100
			r := d.Request
			if r.Method != "GET" || r.Route != "/v1/classes" || r.Path != "/v1/classes" || r.Status != 429 ||
				r.Partner != "acme" || r.ClientIP != "10.0.0.3" || r.IdempotencyKey != "" || r.RetryAfter != nil ||
				r.LatencyMs == nil || *r.LatencyMs != 12.5 || r.BytesSent == nil || *r.BytesSent != 321 ||
				r.RateLimitLimit != nil || r.Source != "access.log" || r.Offset != wantOffset || r.Format != "jsonl" || r.SyntheticID {
				t.Errorf("access record %+v", r)
			}
			b := d.ErrorBody
			if b == nil {
				t.Fatal("no error body")
			}
			if b.Shape != errbody.ShapeErrorObject || b.Code != "rate_limited" || b.Message != "failed: rate_limited" ||
				b.RetryAfter == nil || *b.RetryAfter != 3 || b.ClaimedStatus == nil || *b.ClaimedStatus != 429 ||
				!b.Separate || b.Source != "errors.log" || b.Fields == nil || len(b.Fields) != 0 ||
				b.Raw != `{"error":{"code":"rate_limited"}}` {
				t.Errorf("error body %+v", b)
			}
		})
		t.Run(round+"/Retry-After header, first attempt", func(t *testing.T) {
			as := scenarioAttempts(t, scs, "raheader")
			want := []wantAttempt{
				{"raheader-0", 429, "", 3}, {"raheader-1", 429, "", 3}, {"raheader-2", 429, "", 3},
				{"raheader-3", 429, "", 3}, {"raheader-4", 429, "", 3}, {"raheader-5", 200, "", -1},
			}
			d := check(t, "raheader-0", as, 0, 6, 0, want, []retry.Violation{retry.IgnoredRetryAfter})
			if d.Request.RetryAfter == nil || *d.Request.RetryAfter != 3 || d.ErrorBody != nil {
				t.Errorf("retry_after %v, body %+v; want 3 and none", d.Request.RetryAfter, d.ErrorBody)
			}
		})
		t.Run(round+"/inline body, honoured", func(t *testing.T) {
			as := scenarioAttempts(t, scs, "rabodyok")
			d := check(t, "rabodyok-6", as, 0, 7, 6, nil, []retry.Violation{})
			if d.ErrorBody != nil {
				t.Errorf("the last attempt succeeded, yet has a body: %+v", d.ErrorBody)
			}
			d = check(t, "rabodyok-1", as, 0, 7, 1, nil, []retry.Violation{})
			if b := d.ErrorBody; b == nil || b.Separate || b.Source != "access.log" || b.Code != "rate_limited" {
				t.Errorf("error body %+v, want the inline one", b)
			}
		})
		t.Run(round+"/the second of two logical requests", func(t *testing.T) {
			as := scenarioAttempts(t, scs, "split")
			check(t, "split-9", as, 7, 13, 9, nil, []retry.Violation{retry.NoBackoff})
			check(t, "split-6", as, 0, 7, 6, nil, []retry.Violation{retry.NoBackoff})
		})
		t.Run(round+"/network failures", func(t *testing.T) {
			as := scenarioAttempts(t, scs, "envoy")
			d := check(t, "envoy-4", as, 0, 9, 4, nil, []retry.Violation{retry.NoBackoff})
			if d.Attempts[4].Status != 0 || d.Attempts[4].Code != "UF" || d.Request.ResponseFlags != "UF" {
				t.Errorf("attempt %+v, flags %q; want status 0, code UF", d.Attempts[4], d.Request.ResponseFlags)
			}
		})
		t.Run(round+"/a request on its own", func(t *testing.T) {
			as := scenarioAttempts(t, scs, "noise")
			check(t, "noise-3", as, 3, 4, 3, []wantAttempt{{"noise-3", 200, "", -1}}, []retry.Violation{})
			check(t, "noise-11", as, 10, 12, 11, nil, []retry.Violation{})
		})
		t.Run(round+"/POST without a key", func(t *testing.T) {
			as := scenarioAttempts(t, scs, "postnokey")
			check(t, "postnokey-5", as, 0, 6, 5, nil, []retry.Violation{retry.MissingIdempotencyKey})
		})
		t.Run(round+"/a logical request longer than the first span", func(t *testing.T) {
			// 50 s waits are slow enough for the documented schedule.
			check(t, "long-24", long, 0, 25, 24, nil, []retry.Violation{})
			check(t, "long-0", long, 0, 25, 0, nil, []retry.Violation{})
		})
		t.Run(round+"/an orphan error body", func(t *testing.T) {
			d, err := LookupRequest(ctx, chquery.New(db), "orphan-1")
			if err != nil {
				t.Fatal(err)
			}
			if d.Request != nil || d.ErrorBody == nil || d.ErrorBody.Code != "internal" || !d.ErrorBody.Separate ||
				len(d.ErrorBody.Fields) != 2 || d.ErrorBody.Fields[1] != (FieldError{"name", "required"}) ||
				d.Attempts == nil || len(d.Attempts) != 0 {
				t.Errorf("got %+v (body %+v)", d, d.ErrorBody)
			}
		})
		t.Run(round+"/unknown id", func(t *testing.T) {
			_, err := LookupRequest(ctx, chquery.New(db), "no-such-id")
			if !errors.Is(err, ErrUnknownRequest) || !strings.Contains(err.Error(), `"no-such-id"`) {
				t.Errorf("unknown id: %v", err)
			}
		})
	}
	run("loaded once")
	insertAttempts(t, db, rows)
	insertOrphanBody(t, db, "orphan-1", time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC))
	run("loaded twice")
}

// insertOrphanBody stores an error body whose access record was never logged.
func insertOrphanBody(t *testing.T, db *chstore.DB, id string, at time.Time) {
	t.Helper()
	chtest.NewRows().Add(chtest.Request{
		ID: id, Time: at, Kind: chstore.KindErrorBody, Status: 500, Source: "errors.log",
		Body: &errbody.Envelope{
			Shape: errbody.ShapeErrorObject, Code: "internal", RetryAfter: -1, Status: 500, Raw: "{}",
			Fields: []errbody.FieldError{{Field: "email", Message: "invalid"}, {Field: "name", Message: "required"}},
		},
	}).Insert(t, db, at)
}

func TestRequestDetailJSON(t *testing.T) {
	ra, gap := int32(3), int64(1040)
	d := RequestDetail{
		Request: &AccessRecord{RequestID: "r1", Time: MilliTime{time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, Status: 429},
		Attempts: []RequestAttempt{
			{Time: MilliTime{time.Date(2026, 3, 1, 9, 59, 58, 960e6, time.UTC)}, RequestID: "r0", Status: 429, RetryAfter: &ra},
			{Time: MilliTime{time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, RequestID: "r1", Status: 429, GapMs: &gap, This: true},
		},
		Violations: []retry.Violation{retry.IgnoredRetryAfter},
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["error_body"] != nil {
		t.Errorf("error_body = %v, want null", got["error_body"])
	}
	req := got["request"].(map[string]any)
	for k, want := range map[string]any{"time": "2026-03-01T10:00:00.000Z", "latency_ms": nil, "retry_after": nil, "status": 429.0} {
		if v, ok := req[k]; !ok || v != want {
			t.Errorf("request.%s = %#v (present %v), want %#v", k, v, ok, want)
		}
	}
	att := got["attempts"].([]any)
	a0, a1 := att[0].(map[string]any), att[1].(map[string]any)
	if a0["time"] != "2026-03-01T09:59:58.960Z" || a0["gap_ms"] != nil || a0["retry_after"] != 3.0 || a0["this"] != false ||
		a1["gap_ms"] != 1040.0 || a1["retry_after"] != nil || a1["this"] != true {
		t.Errorf("attempts %v", att)
	}
	if v := got["violations"].([]any); len(v) != 1 || v[0] != "ignored_retry_after" {
		t.Errorf("violations %v", v)
	}
}
