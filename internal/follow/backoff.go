package follow

import (
	"math/rand/v2"
	"time"
)

// backoff is capped exponential backoff with full jitter: the delay before
// retry n (from 0) is uniform in [0, min(max, base·2ⁿ)), so many daemons
// retrying against one ClickHouse spread out instead of arriving together.
type backoff struct {
	base, max time.Duration
	rnd       func(n int64) int64 // uniform in [0, n); default rand.Int64N
}

func (b backoff) delay(attempt int) time.Duration {
	ceil := b.max
	if attempt < 62 {
		if d := b.base << attempt; d > 0 && d < b.max && d>>attempt == b.base {
			ceil = d
		}
	}
	if ceil <= 0 {
		return 0
	}
	rnd := b.rnd
	if rnd == nil {
		rnd = rand.Int64N
	}
	return time.Duration(rnd(int64(ceil)))
}
