package retry

import (
	"fmt"
	"slices"
	"time"
)

// Analyzer finds the retry storms in a stream of attempts. Feed it one
// sequence after another (all attempts of a sequence together, each
// sequence in time order) with Add, or with AddSeq when sequences are known
// by an id (a hash of their Key) rather than by their Key, then call Storms.
//
// Its memory is bounded by one logical request, whatever the number of
// attempts: the current attempt and the first one, the gaps between
// attempts (at most 64k values, then a fixed 60,001-bucket histogram, since
// a gap never exceeds 60 s) and the times of the last MinRetries retries.
// An Analyzer is not safe for concurrent use.
type Analyzer struct {
	minRetries int

	// The current sequence: its Key (Add), or its id (AddSeq).
	haveSeq    bool
	byID       bool
	key        Key
	id         uint64
	missingKey bool
	prev       Attempt // the sequence's latest attempt
	havePrev   bool

	// The logical request prev belongs to, when it has at least one retry.
	first      Attempt
	attempts   int // 0 when prev starts no logical request with retries yet
	violations violationSet
	short      int  // short gaps so far
	peak       bool // MinRetries retries fell within one 60 s span
	recent     []int64
	recentPos  int
	recentN    int
	gaps       gapSet

	storms []Storm
}

// NewAnalyzer returns an Analyzer that reports storms by th.
func NewAnalyzer(th Thresholds) *Analyzer {
	return &Analyzer{minRetries: th.minRetries()}
}

// Add takes the next attempt of the sequence k. The attempts of one
// sequence must come together and in time order (ties in any order); an
// attempt earlier than the one before it in the same sequence is an error
// and is ignored. Add copies what it keeps: k and a may be reused.
func (an *Analyzer) Add(k *Key, a *Attempt) error {
	if !an.haveSeq || an.byID || *k != an.key {
		an.startSeq()
		an.key, an.missingKey = *k, k.MissingIdempotencyKey()
	}
	return an.add(a)
}

// AddSeq is Add for a sequence known by an id rather than its Key: id tells
// sequences apart (two sequences with one id are taken for one), and
// missingKey says whether the sequence's Key.MissingIdempotencyKey. The
// storms of such sequences have an empty Key for the caller to fill in,
// e.g. from the access record of Storm.FirstRequestID.
func (an *Analyzer) AddSeq(id uint64, missingKey bool, a *Attempt) error {
	if !an.haveSeq || !an.byID || id != an.id {
		an.startSeq()
		an.byID, an.id, an.missingKey = true, id, missingKey
	}
	return an.add(a)
}

// startSeq ends the current sequence and readies a new one.
func (an *Analyzer) startSeq() {
	an.endLogical()
	an.haveSeq, an.havePrev = true, false
	an.byID, an.key, an.id = false, Key{}, 0
}

// add takes the next attempt of the current sequence.
func (an *Analyzer) add(a *Attempt) error {
	if an.havePrev {
		if a.TimeMs < an.prev.TimeMs {
			return fmt.Errorf("attempt %s at %d ms comes before %s at %d ms in one sequence",
				a.RequestID, a.TimeMs, an.prev.RequestID, an.prev.TimeMs)
		}
		if IsRetry(&an.prev, a) {
			an.addRetry(a)
		} else {
			an.endLogical()
		}
	}
	an.prev, an.havePrev = *a, true
	return nil
}

// addRetry extends the logical request of an.prev with the retry a.
func (an *Analyzer) addRetry(a *Attempt) {
	if an.attempts == 0 {
		an.first, an.attempts = an.prev, 1
		an.violations, an.short, an.peak = 0, 0, false
		an.recentPos, an.recentN = 0, 0
		an.gaps.reset()
	}
	v, short := judge(an.missingKey, &an.prev, a, an.attempts)
	an.violations |= v
	if short {
		an.short++
		if an.short >= 2 {
			an.violations |= bitNoBackoff
		}
	}
	an.attempts++
	an.gaps.add(a.TimeMs - an.prev.TimeMs)
	if !an.peak {
		an.peak = an.pushRetry(a.TimeMs)
	}
}

// pushRetry records a retry at t and reports whether it ends MinRetries
// retries within 60 s.
func (an *Analyzer) pushRetry(t int64) bool {
	if an.recent == nil {
		an.recent = make([]int64, an.minRetries)
	}
	n := len(an.recent)
	an.recent[an.recentPos] = t
	an.recentPos = (an.recentPos + 1) % n
	an.recentN++
	// With the ring full, recentPos is the oldest of the last n retries.
	return an.recentN >= n && t-an.recent[an.recentPos%n] <= retryWindowMs
}

// endLogical closes the current logical request, reporting it if it is a
// storm.
func (an *Analyzer) endLogical() {
	if an.attempts >= 2 && an.peak && an.violations != 0 {
		an.storms = append(an.storms, Storm{
			Key:            an.key,
			FirstRequestID: an.first.RequestID,
			Start:          time.UnixMilli(an.first.TimeMs).UTC(),
			End:            time.UnixMilli(an.prev.TimeMs).UTC(),
			Attempts:       an.attempts,
			Retries:        an.attempts - 1,
			MedianGapMs:    an.gaps.median(),
			Violations:     an.violations.list(),
		})
	}
	an.attempts = 0
}

// Storms ends the stream and returns the storms found, most severe first
// (SortStorms); never nil. Add and AddSeq must not be called afterwards.
func (an *Analyzer) Storms() []Storm {
	an.endLogical()
	an.havePrev = false
	SortStorms(an.storms)
	if an.storms == nil {
		return []Storm{}
	}
	return an.storms
}

// maxGapValues is how many gaps a gapSet keeps as values before it moves to
// its histogram.
const maxGapValues = 1 << 16

// gapSet collects the gaps of one logical request, each in 0..60,000 ms,
// for their median.
type gapSet struct {
	vals   []int32
	hist   []uint32 // counts per ms, used once vals would pass maxGapValues
	inHist bool
	n      int
}

func (g *gapSet) reset() {
	g.vals = g.vals[:0]
	if g.inHist {
		clear(g.hist)
		g.inHist = false
	}
	g.n = 0
}

func (g *gapSet) add(ms int64) {
	ms = min(max(ms, 0), retryWindowMs)
	g.n++
	if !g.inHist {
		if len(g.vals) < maxGapValues {
			g.vals = append(g.vals, int32(ms))
			return
		}
		if g.hist == nil {
			g.hist = make([]uint32, retryWindowMs+1)
		}
		for _, v := range g.vals {
			g.hist[v]++
		}
		g.vals, g.inHist = g.vals[:0], true
	}
	g.hist[ms]++
}

// median returns the median gap (the mean of the two middle ones, rounded
// down, for an even count); 0 for no gaps. It may reorder the values.
func (g *gapSet) median() int64 {
	if g.n == 0 {
		return 0
	}
	lo, hi := (g.n-1)/2, g.n/2
	if !g.inHist {
		slices.Sort(g.vals)
		return (int64(g.vals[lo]) + int64(g.vals[hi])) / 2
	}
	var a, b int64 = -1, -1
	seen := 0
	for ms, c := range g.hist {
		seen += int(c)
		if a < 0 && seen > lo {
			a = int64(ms)
		}
		if seen > hi {
			b = int64(ms)
			break
		}
	}
	return (a + b) / 2
}
