package main

import (
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ratescope/ratescope/internal/cli"
)

// progressDelay is how long a load runs before its progress bar shows:
// short loads print only their summary.
const progressDelay = 2 * time.Second

// progress is the load's progress bar on a terminal's standard error. It
// appears once the load has run for progressDelay. The total is the files'
// size when every input is a plain file; with gzip or standard input it
// counts bytes without a total.
type progress struct {
	ios   *cli.IOStreams
	off   bool
	start time.Time
	total int64
	bar   *progressbar.ProgressBar
}

func newProgress(ios *cli.IOStreams, paths []string, quiet bool) *progress {
	p := &progress{ios: ios, off: quiet || !ios.IsStderrTTY(), start: time.Now()}
	for _, path := range paths {
		fi, err := os.Stat(path)
		if path == "-" || strings.HasSuffix(path, ".gz") || err != nil || !fi.Mode().IsRegular() {
			p.total = -1
			break
		}
		p.total += fi.Size()
	}
	return p
}

// update is ingest.Config.Progress.
func (p *progress) update(bytes int64) {
	if p == nil || p.off {
		return
	}
	if p.bar == nil {
		if time.Since(p.start) < progressDelay {
			return
		}
		p.bar = progressbar.NewOptions64(p.total,
			progressbar.OptionSetWriter(p.ios.ErrOut),
			progressbar.OptionSetDescription("loading"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = p.bar.Set64(bytes)
}

// finish removes the bar, if it showed.
func (p *progress) finish() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}
