package retry

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// BenchmarkAnalyzer times the sequential analysis alone on in-memory
// attempts: a million attempts over 1,000 sequences, storms among them.
func BenchmarkAnalyzer(b *testing.B) {
	const seqs, perSeq = 1000, 1000
	keys := make([]Key, seqs)
	as := make([]Attempt, perSeq)
	for i := range keys {
		keys[i] = Key{Partner: "p", ClientIP: strconv.Itoa(i), Method: "GET", Route: "/r"}
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	t := int64(1_772_323_200_000)
	for i := range as {
		t += rnd.Int64N(5000)
		as[i] = Attempt{TimeMs: t, RequestID: "r" + strconv.Itoa(i), Status: [...]uint16{200, 200, 503, 429}[rnd.IntN(4)]}
	}
	b.ReportAllocs()
	for b.Loop() {
		an := NewAnalyzer(Thresholds{})
		for k := range keys {
			for j := range as {
				if err := an.Add(&keys[k], &as[j]); err != nil {
					b.Fatal(err)
				}
			}
		}
		_ = an.Storms()
	}
	b.ReportMetric(float64(seqs*perSeq)*float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
}
