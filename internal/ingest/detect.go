package ingest

import (
	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/tail"
)

// DetectSampleLines is how many non-blank lines format detection wants.
const DetectSampleLines = 20

// DetectFormat guesses the format of what t reads from its first
// DetectSampleLines non-blank lines, without consuming them: the one
// detection step of the one-shot load and the daemon. It returns
// accesslog.FormatAuto when no format fits, the number of lines sampled,
// and full: whether no more lines can come into the sample (enough were
// read, the buffer is full, or a stream ended), so a file that is still
// growing can be sampled again later.
func DetectFormat(t *tail.Tailer) (format accesslog.Format, lines int, full bool, err error) {
	sample, full, err := t.Sample(DetectSampleLines)
	if err != nil {
		return accesslog.FormatAuto, 0, false, err
	}
	return accesslog.Detect(sample), len(sample), full, nil
}
