package loggen

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAppendJSONString(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got := string(appendJSONString(nil, in))
		if got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendJSONString(%q) = %s: not JSON: %v", in, got, err)
		}
	}
	f(`plain`, `"plain"`)
	f(`say "hi" \ bye`, `"say \"hi\" \\ bye"`)
	f("tab\tnl\ncr\r\x01", `"tab\tnl\ncr\r\u0001"`)
	f("café ✓", `"café ✓"`)
	f("bad \xff byte", "\"bad \ufffd byte\"")
}

func TestAppendTimes(t *testing.T) {
	at := time.Date(2026, 11, 2, 23, 5, 9, 7_000_000, time.UTC)
	ms := at.UnixMilli()
	tests := []struct {
		name, got, want string
	}{
		{"clf utc", string(appendCLF(nil, ms, 0)), "02/Nov/2026:23:05:09 +0000"},
		{"clf +01:00 crosses midnight", string(appendCLF(nil, ms, 60)), "03/Nov/2026:00:05:09 +0100"},
		{"clf -05:30", string(appendCLF(nil, ms, -330)), at.In(time.FixedZone("", -330*60)).Format("02/Jan/2006:15:04:05 -0700")},
		{"iso millis", string(appendISO(nil, ms, 0, true)), "2026-11-02T23:05:09.007Z"},
		{"iso +01:00", string(appendISO(nil, ms, 60, false)), "2026-11-03T00:05:09+01:00"},
		{"msec", string(appendMsec(nil, ms)), "1793660709.007"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

func TestSlidingWindow(t *testing.T) {
	w := slidingWindow{per: 1000}
	for i, tc := range []struct {
		at   int64
		want int64
	}{{0, 1}, {500, 2}, {999, 3}, {1000, 3}, {1500, 3}, {2600, 1}, {2601, 2}} {
		if got := w.add(tc.at); got != tc.want {
			t.Errorf("event %d at %d: count %d, want %d", i, tc.at, got, tc.want)
		}
	}
	if w.peak != 3 {
		t.Errorf("peak %d, want 3", w.peak)
	}
}

func TestTrackerUtilization(t *testing.T) {
	bucket := &limitDef{name: "b", rate: 1, burst: 4}
	tests := []struct {
		name  string
		def   *limitDef
		times []int64
		want  float64
	}{
		// Five requests at once empty a 4-token bucket one past the bottom.
		{"burst", bucket, []int64{0, 0, 0, 0, 0}, 1.25},
		// One request a second never dents a 1/s bucket beyond one token.
		{"steady", bucket, []int64{0, 1000, 2000, 3000}, 0.25},
		{"window", &limitDef{name: "w", limit: 4, per: time.Minute}, []int64{0, 10_000, 59_000, 61_000}, 0.75},
		// One November request, projected from half of November to all of it, of 4.
		{"quota resets monthly, projects", &limitDef{name: "q", quota: 4},
			[]int64{time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC).UnixMilli(), time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC).UnixMilli()}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTracker(tt.def)
			for _, at := range tt.times {
				tr.add(at)
			}
			if got, _ := tr.utilization(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)); got != tt.want {
				t.Errorf("utilization %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStateOf(t *testing.T) {
	f := func(util float64, throttled int64, want string) {
		t.Helper()
		if got := stateOf(util, throttled); got != want {
			t.Errorf("stateOf(%v, %d) = %s, want %s", util, throttled, got, want)
		}
	}
	f(0.5, 0, "ok")
	f(0.8, 0, "near")
	f(1.0, 0, "near")
	f(1.01, 0, "over")
	f(0.1, 1, "over")
}

func TestCutOutside(t *testing.T) {
	line := []byte(`{"a":"x","key":"SECRET123","b":1}`)
	f := func(cut, want int) {
		t.Helper()
		if got := cutOutside(line, cut, "", "SECRET123"); got != want {
			t.Errorf("cutOutside(%d) = %d, want %d", cut, got, want)
		}
	}
	f(5, 5)   // before the secret
	f(20, 16) // inside it: back to its start
	f(26, 26) // just after it
}

func TestFixedWindow(t *testing.T) {
	var w fixedWindow
	for i, tc := range []struct{ at, n, end int64 }{{1000, 1, 60_000}, {59_999, 2, 60_000}, {60_000, 1, 120_000}, {60_001, 2, 120_000}} {
		if n, end := w.add(tc.at, 60_000); n != tc.n || end != tc.end {
			t.Errorf("request %d at %d: count %d ending %d, want %d ending %d", i, tc.at, n, end, tc.n, tc.end)
		}
	}
}
