package ratelimit

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestWarmUp(t *testing.T) {
	for _, c := range []struct {
		name string
		l    Limit
		want time.Duration
	}{
		{"bucket refilling within a minute: the sustained 60 s", Limit{Kind: KindTokenBucket, Rate: 20, Burst: 40}, time.Minute},
		{"slow bucket: its refill time", Limit{Kind: KindTokenBucket, Rate: 1, Burst: 300}, 5 * time.Minute},
		{"refill rounded up to a second", Limit{Kind: KindTokenBucket, Rate: 0.7, Burst: 100}, 143 * time.Second},
		{"refill past the cap", Limit{Kind: KindTokenBucket, Rate: 0.01, Burst: 100}, MaxWarmUp},
		{"rate 0 (blocks)", Limit{Kind: KindTokenBucket}, time.Minute},
		{"short window: at least a minute", Limit{Kind: KindWindow, Count: 5, Per: 10 * time.Second}, time.Minute},
		{"five-minute window", Limit{Kind: KindWindow, Count: 5, Per: 5 * time.Minute}, 5 * time.Minute},
		{"per-IP window", Limit{Kind: KindIPWindow, Count: 5, Per: 90 * time.Second}, 90 * time.Second},
		{"day window: capped", Limit{Kind: KindWindow, Count: 5, Per: 24 * time.Hour}, MaxWarmUp},
		{"quota: none", Limit{Kind: KindQuota, Quota: 1000}, 0},
	} {
		if got := c.l.WarmUp(); got != c.want {
			t.Errorf("%s: warm-up %s, want %s", c.name, got, c.want)
		}
	}
}

// TestWarmThenMeasure replays random runs split at a point: the requests
// before it counted by Warm, those after by Add. The split run measures,
// period by period and in all, what the whole run measured after the
// split — the warm-up carries the bucket's level and the window's count
// across — and nothing before it.
func TestWarmThenMeasure(t *testing.T) {
	for seed := range uint64(50) {
		rnd := rand.New(rand.NewPCG(seed, 11))
		rate, burst := float64(1+rnd.IntN(30)), int64(1+rnd.IntN(60))
		per := time.Duration(1+rnd.IntN(120)) * time.Second
		whole, split := NewBucket(rate, burst), NewBucket(rate, burst)
		wholeW, splitW := NewWindow(per), NewWindow(per)
		var steps []step
		var ms int64
		for range 1500 {
			ms += int64(rnd.IntN(300))
			steps = append(steps, step{ms, uint64(1 + rnd.IntN(1+int(burst)/3))})
		}
		cut := steps[len(steps)/2].ms
		var (
			wholeU, splitU       float64
			wholePeak, splitPeak uint64
			started              bool
		)
		for _, s := range steps {
			if s.ms < cut {
				whole.Add(s.ms, s.n)
				wholeW.Add(s.ms, s.n)
				split.Warm(s.ms, s.n)
				splitW.Warm(s.ms, s.n)
				continue
			}
			if !started { // the whole run's period before the cut is not the split run's
				whole.EndPeriod()
				wholeW.EndPeriod()
				started = true
			}
			whole.Add(s.ms, s.n)
			wholeW.Add(s.ms, s.n)
			split.Add(s.ms, s.n)
			splitW.Add(s.ms, s.n)
			// Each step a period: the same level, the same count.
			wu, su, wp, sp := whole.EndPeriod(), split.EndPeriod(), wholeW.EndPeriod(), splitW.EndPeriod()
			if wu != su || wp != sp {
				t.Fatalf("seed %d, ms %d: measured %v / %d after the warm-up, %v / %d in the whole run", seed, s.ms, su, sp, wu, wp)
			}
			wholeU, splitU = max(wholeU, wu), max(splitU, su)
			wholePeak, splitPeak = max(wholePeak, wp), max(splitPeak, sp)
		}
		if wholeU != splitU || splitU != split.Utilization() {
			t.Errorf("seed %d: after the cut the whole run's bucket reached %v, the warmed run's %v (Utilization %v)", seed, wholeU, splitU, split.Utilization())
		}
		if wholePeak != splitPeak || splitPeak != splitW.Peak() {
			t.Errorf("seed %d: after the cut the whole run's window peaked at %d, the warmed run's %d (Peak %d)", seed, wholePeak, splitPeak, splitW.Peak())
		}
	}
	// Warm-up alone measures nothing.
	b, w := NewBucket(20, 40), NewWindow(time.Minute)
	b.Warm(0, 50)
	w.Warm(0, 50)
	if b.Utilization() != 0 || b.EndPeriod() != 0 || w.Peak() != 0 || w.EndPeriod() != 0 {
		t.Errorf("a warm-up alone measured: bucket %v, window %d", b.Utilization(), w.Peak())
	}
	// A drained bucket stays drained: 30 of 40 taken in the warm-up, 500 ms
	// (10 tokens) later 12 leave exactly 8, 20 %.
	b.Warm(sec(10), 30)
	b.Add(sec(10)+500, 12)
	if got := b.Utilization(); got != 0.8 {
		t.Errorf("drained in the warm-up: utilization %v, want 0.8", got)
	}
}
