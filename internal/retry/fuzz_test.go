package retry

import (
	"slices"
	"strconv"
	"testing"
)

// fuzzStatuses are the statuses fuzzed attempts draw from.
var fuzzStatuses = [...]uint16{0, 200, 201, 400, 404, 408, 409, 422, 429, 500, 501, 503, 504}

// fuzzAttempts decodes data, 4 bytes an attempt: a gap (two bytes, in
// units of 2 ms, so up to 131 s), a status, and a byte whose low bits give
// a Retry-After and whose top bit starts a new sequence.
func fuzzAttempts(data []byte) (keys []Key, as []Attempt) {
	t := t0
	k := Key{Method: "POST", Route: "/r"}
	seqNo := 0
	for i := 0; i+4 <= len(data); i += 4 {
		b := data[i : i+4]
		if b[3]&0x80 != 0 {
			seqNo++
			k.Route = "/r" + strconv.Itoa(seqNo)
			k.IdempotencyKey = ""
			if seqNo%2 == 0 {
				k.IdempotencyKey = "k"
			}
		}
		t += int64(b[0])<<9 | int64(b[1])<<1
		keys = append(keys, k)
		as = append(as, Attempt{
			TimeMs:     t,
			RequestID:  "r" + strconv.Itoa(i/4),
			Status:     fuzzStatuses[int(b[2])%len(fuzzStatuses)],
			RetryAfter: int32(b[3]&0x7f) - 10,
		})
	}
	return keys, as
}

// FuzzAnalyzer checks that any stream of attempts gives well-formed storms
// that match the logical requests LogicalRequest finds.
func FuzzAnalyzer(f *testing.F) {
	f.Add([]byte{0, 50, 10, 0, 0, 50, 10, 0, 0, 50, 10, 0, 0, 50, 10, 0, 0, 50, 10, 0, 0, 50, 10, 0})
	f.Add([]byte{0, 0, 8, 20, 0, 0, 8, 20, 0, 0, 8, 20, 0, 0, 8, 20, 0, 0, 8, 20, 0, 0, 8, 20, 0, 0, 1, 0})
	f.Add([]byte{0, 1, 7, 0x80, 117, 48, 7, 0, 0, 1, 7, 0, 0, 1, 7, 0x81, 0, 1, 7, 0, 0, 1, 7, 0, 0, 1, 7, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, as := fuzzAttempts(data)
		for _, min := range []int{1, 5} {
			an := NewAnalyzer(Thresholds{MinRetries: min})
			for i := range as {
				if err := an.Add(&keys[i], &as[i]); err != nil {
					t.Fatalf("attempt %d: %v", i, err)
				}
			}
			storms := an.Storms()
			// Each storm must be a logical request LogicalRequest agrees with.
			for _, s := range storms {
				i := slices.IndexFunc(as, func(a Attempt) bool { return a.RequestID == s.FirstRequestID })
				if i < 0 {
					t.Fatalf("storm starts at unknown %s", s.FirstRequestID)
				}
				lo, hi := i, i+1
				for lo > 0 && keys[lo-1] == keys[i] {
					lo--
				}
				for hi < len(as) && keys[hi] == keys[i] {
					hi++
				}
				cl, ch := LogicalRequest(as[lo:hi], i-lo)
				if cl != i-lo || ch-cl != s.Attempts || s.Retries != s.Attempts-1 || s.Retries < min {
					t.Fatalf("storm %+v: logical request [%d, %d) of the sequence at %d", s, cl, ch, lo)
				}
				if len(s.Violations) == 0 || !slices.IsSorted(s.Violations) || s.Key != keys[i] {
					t.Fatalf("storm %+v", s)
				}
				if s.End.Before(s.Start) || s.MedianGapMs < 0 || s.MedianGapMs > s.End.Sub(s.Start).Milliseconds() {
					t.Fatalf("storm %+v: bad bounds or median", s)
				}
			}
		}
	})
}
