package follow

import (
	"fmt"
	"syscall"
	"time"
)

// descriptorReserve is how many file descriptors the daemon keeps free
// for other things than followed files — ClickHouse connections, metrics
// scrapes, checkpoint writes, directory listings — (at most half the
// limit): out of descriptors, it could store nothing and show nothing.
const descriptorReserve = 64

// fdState is what the reader goroutine knows about running out of file
// descriptors: with more matched files than `ulimit -n` allows, the
// daemon keeps the files it has open, says so once, counts it, and tries
// to open the rest with backoff — instead of taking every open file for
// deleted and reopening them all in a loop.
type fdState struct {
	exhausted bool      // the last attempt ran out of descriptors
	attempts  int       // failed attempts in a row
	retryAt   time.Time // no new open before this
	lastErr   string    // the last other listing error logged
}

// fdTrouble handles an error listing or opening the files to follow.
func (d *Daemon) fdTrouble(now time.Time, err error, what string) {
	if !outOfDescriptors(err) {
		if msg := err.Error(); d.fd.lastErr != msg {
			d.fd.lastErr = msg
			d.log.Warn(what+"; keeping the files already open, will retry", "err", err)
		}
		return
	}
	d.m.DescriptorsExhausted.Inc()
	d.fd.retryAt = now.Add(min(time.Second<<min(d.fd.attempts, 4), 10*time.Second))
	d.fd.attempts++
	if !d.fd.exhausted {
		d.fd.exhausted = true
		d.log.Warn("out of file descriptors: keeping the files already open, opening the others as descriptors free up; raise the limit (ulimit -n, systemd LimitNOFILE=)",
			"op", what, "files_open", len(d.files), "err", err)
	}
}

// fdWaiting records how many matched files wait for a descriptor after a
// reconcile; when none does after a shortage, it says the shortage is
// over.
func (d *Daemon) fdWaiting(now time.Time, waiting int) {
	d.m.FilesWaiting.Set(float64(waiting))
	if waiting == 0 && d.fd.exhausted && !now.Before(d.fd.retryAt) {
		d.fd.exhausted, d.fd.attempts = false, 0
		d.log.Info("file descriptors available again: every matched file is followed", "files_open", len(d.files))
	}
	if waiting == 0 {
		d.fd.lastErr = ""
	}
}

// fileRoom is how many more files may be opened within the descriptor
// limit (re-read each time: it can be raised under a running process)
// less the reserve, and the error saying why when there is no room.
func (d *Daemon) fileRoom() (int, error) {
	limit := descriptorLimit()
	if limit == 0 || limit > 1<<24 {
		return 1 << 24, nil
	}
	reserve := min(descriptorReserve, limit/2)
	room := int(limit-reserve) - len(d.files)
	if room > 0 {
		return room, nil
	}
	return 0, fmt.Errorf("%d files open, the descriptor limit is %d and %d are kept for ClickHouse, metrics and checkpoints: %w",
		len(d.files), limit, reserve, syscall.EMFILE)
}
