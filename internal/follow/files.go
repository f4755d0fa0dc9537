package follow

import (
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/checkpoint"
	"github.com/ratescope/ratescope/internal/ingest"
	"github.com/ratescope/ratescope/internal/tail"
)

// file is one followed file. Only the reader goroutine touches it, but for
// committed, which the inserter sets.
type file struct {
	t    *tail.Tailer
	id   tail.FileID
	path string // where the last reconcile found it
	src  ingest.Source

	detected  bool      // src.Format is known
	dirty     bool      // lines consumed since the last handoff
	draining  bool      // gone from the patterns: read to its end, then closed
	finished  bool      // read to its end; closed once handed off
	gone      bool      // skipped: closed and no longer followed
	atEOF     bool      // the last turn read all there was
	idleSince time.Time // the file last grew (or started draining)
	lastCheck time.Time
	size      int64

	committed atomic.Int64 // offset stored in ClickHouse

	// Counts not yet added to the metrics.
	read, parsed uint64
	rejected     map[string]uint64
}

func key(id tail.FileID) checkpoint.Key { return checkpoint.Key{Dev: id.Dev, Ino: id.Ino} }

// difference returns the keys of a that are not in b, in FileID order: the
// files to start (found − running) or to let go (running − found).
func difference[V, W any](a map[tail.FileID]V, b map[tail.FileID]W) []tail.FileID {
	var out []tail.FileID
	for id := range a {
		if _, ok := b[id]; !ok {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, compareIDs)
	return out
}

func compareIDs(a, b tail.FileID) int {
	switch {
	case a.Dev != b.Dev:
		return cmpUint(a.Dev, b.Dev)
	default:
		return cmpUint(a.Ino, b.Ino)
	}
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// glob returns the regular files the patterns match, by identity; a file
// matched under several names is listed under the first in pattern order.
// It fails when a directory cannot be listed: what it found would be
// incomplete, and a file missing from it would look deleted.
func glob(patterns []string) (map[tail.FileID]string, error) {
	found := map[tail.FileID]string{}
	for _, pat := range patterns {
		matches, err := globErrors(pat) // patterns were checked by New
		if err != nil {
			return nil, err
		}
		for _, p := range matches {
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if id, ok := tail.IDOf(fi); ok {
				if _, dup := found[id]; !dup {
					found[id] = p
				}
			}
		}
	}
	return found, nil
}

// reconcile globs the patterns and brings the followed files in line:
// files that vanished from the patterns (renamed away, deleted) are read
// to their end, new ones are opened.
func (d *Daemon) reconcile(now time.Time) {
	d.nextReconcile = now.Add(d.cfg.ReconcileInterval)
	found, err := glob(d.patterns)
	if err != nil {
		// Keep following what is open: nothing is known to have gone.
		d.fdTrouble(now, err, "cannot list the files to follow")
		return
	}
	for _, id := range difference(d.files, found) {
		f := d.files[id]
		if !f.draining && !f.finished {
			d.startDraining(f, now, "no longer matches the patterns (rotated or deleted)")
		}
	}
	for id, path := range found {
		f, ok := d.files[id]
		if !ok || f.finished {
			continue
		}
		if f.draining {
			f.draining = false
			d.log.Info("file matches the patterns again", "path", path)
		}
		if f.path != path {
			d.log.Info("file renamed", "from", f.path, "to", path)
			d.m.FileBytesBehind.DeleteLabelValues(pathLabel(f.path))
			f.path = path
			// The checkpoint names the file too: write it under the new name
			// at the next handoff, even if no line comes.
			f.dirty = true
			d.markConsumed(now)
		}
	}
	waiting := 0
	room, roomErr := d.fileRoom()
	for _, id := range difference(found, d.files) {
		if _, skip := d.skipped[id]; skip {
			continue
		}
		if now.Before(d.fd.retryAt) || room <= 0 { // out of descriptors: wait before trying again
			waiting++
			continue
		}
		switch {
		case d.open(found[id], now):
			room--
		case now.Before(d.fd.retryAt):
			waiting++ // this open ran out of descriptors
		}
	}
	if roomErr != nil && waiting > 0 && !now.Before(d.fd.retryAt) {
		d.fdTrouble(now, roomErr, "the descriptor limit leaves no room for more files")
	}
	d.fdWaiting(now, waiting)
	for id := range d.skipped {
		if _, ok := found[id]; !ok {
			delete(d.skipped, id)
		}
	}
	d.sortFiles()
}

func (d *Daemon) startDraining(f *file, now time.Time, why string) {
	f.draining, f.idleSince = true, now
	d.m.FileEvents.WithLabelValues(eventRotated).Inc()
	d.m.FileBytesBehind.DeleteLabelValues(pathLabel(f.path))
	d.log.Info("reading file to its end", "path", f.path, "why", why)
}

// sortFiles rebuilds d.order in a new slice: a turn over the old one may
// be under way.
func (d *Daemon) sortFiles() {
	d.order = make([]*file, 0, len(d.files))
	for _, f := range d.files {
		d.order = append(d.order, f)
	}
	slices.SortFunc(d.order, func(a, b *file) int { return compareIDs(a.id, b.id) })
	d.m.FilesFollowed.Set(float64(len(d.files)))
}

// open starts following path: at its checkpoint when it has one that still
// fits, else from its start. It reports whether path is followed now.
func (d *Daemon) open(path string, now time.Time) bool {
	t, err := tail.Open(path, tail.Options{MaxLineBytes: d.cfg.MaxLineBytes})
	if err != nil && outOfDescriptors(err) {
		d.fdTrouble(now, err, "cannot open a file to follow")
		return false
	}
	if err != nil {
		if msg := err.Error(); d.openErrs[path] != msg {
			d.openErrs[path] = msg
			d.log.Warn("cannot open file; will retry", "path", path, "err", err)
		}
		return false
	}
	delete(d.openErrs, path)
	id := t.ID()
	if _, ok := d.files[id]; ok { // renamed between the glob and the open
		_ = t.Close()
		return true
	}
	if _, skip := d.skipped[id]; skip {
		_ = t.Close()
		return false
	}
	f := &file{t: t, id: id, path: path, src: ingest.Source{Name: path}, idleSince: now, size: t.Size()}
	if e, ok := d.ckpt.Get(key(id)); ok {
		resumed, why, err := t.Resume(tail.Position{Offset: e.Offset, Line: e.Line, Fingerprint: tail.Fingerprint(e.Fingerprint)})
		switch {
		case err != nil:
			d.log.Warn("cannot resume file; reading it from its start", "path", path, "err", err)
		case resumed:
			f.src = ingest.Source{Name: e.Source, Chain: ingest.ChainState(e.Chain), LastTimeMs: e.LastTimeMs}
			if format, err := accesslog.ParseFormat(e.Format); err == nil && format != accesslog.FormatAuto {
				f.src.Format, f.detected = format, true
			}
			f.committed.Store(e.Offset)
			d.m.FileEvents.WithLabelValues(eventResumed).Inc()
			d.log.Info("resuming file at its checkpoint", "path", path, "offset", e.Offset, "source", e.Source)
		default:
			f.dirty = true // the checkpoint must move back to the start
			d.log.Info("reading file from its start", "path", path, "why", why)
		}
	}
	d.files[id] = f
	d.m.FileEvents.WithLabelValues(eventOpened).Inc()
	d.log.Info("following file", "path", path, "id", id.String())
	return true
}

// skip stops following f for good (while its identity stays matched).
func (d *Daemon) skip(f *file, event, why string) {
	d.skipped[f.id] = why
	f.gone = true
	d.m.FileEvents.WithLabelValues(event).Inc()
	d.m.FileBytesBehind.DeleteLabelValues(pathLabel(f.path))
	_ = f.t.Close()
	delete(d.files, f.id)
	d.sortFiles()
	d.log.Warn("skipping file", "path", f.path, "why", why)
}

// pruneCheckpoints forgets the checkpoints of files the first reconcile did
// not find: they were deleted (or rotated out of the patterns) while the
// daemon was down.
func (d *Daemon) pruneCheckpoints() {
	for _, e := range d.ckpt.Entries() {
		id := tail.FileID{Dev: e.Dev, Ino: e.Ino}
		if _, ok := d.files[id]; !ok {
			d.ckpt.Delete(e.Key)
			d.log.Info("forgetting the checkpoint of a file that is gone", "source", e.Source, "last_path", e.Path)
		}
	}
}
