// Package checkpoint keeps the follow daemon's place in each file it tails:
// per file identity (device + inode, checked against a fingerprint of the
// file's first bytes) the byte offset up to which ClickHouse has stored the
// file's lines, and the per-file pipeline state at that offset.
//
// Entries live in a mutex-guarded map. The map is written to one file in
// the state directory by atomic replace (temp file, fsync, rename, fsync of
// the directory) on a ticker and once more on Stop, so a crash leaves
// either the previous file or the new one, never a torn one. The caller
// sets an entry only after ClickHouse accepted the lines up to its offset:
// a restart then re-reads at most what was not yet stored, and request-id
// dedup absorbs whatever is read twice.
package checkpoint

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/ratescope/ratescope/internal/readlimit"
)

// FileName is the checkpoint file inside the state directory.
const FileName = "checkpoints.json"

// lockName is the file a running daemon holds locked in the state directory.
const lockName = "lock"

// Version is the format of the checkpoint file this package writes and reads.
const Version = 1

// Key identifies a file on one machine while it exists.
type Key struct {
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
}

// Fingerprint identifies a file's content by a hash (FNV-1a, 64 bits) of
// its first Len bytes. It tells a file from a later one that reuses its
// inode. It is a hash, never the bytes: log lines may hold secrets.
type Fingerprint struct {
	Len int64  `json:"len"`
	Sum uint64 `json:"fnv64a"`
}

// Entry is the saved place in one file.
type Entry struct {
	Key
	Fingerprint Fingerprint `json:"fingerprint"`
	// Offset is the start of the first line not yet stored in ClickHouse.
	Offset int64 `json:"offset"`
	// Line is the number of lines before Offset.
	Line uint64 `json:"line"`
	// Source is the name the file's rows are stored under (the path it had
	// when first read: a rotated file keeps it).
	Source string `json:"source"`
	// Path is where the file was last seen; for people reading the file.
	Path string `json:"path,omitempty"`
	// Format is the file's log format, as detected when it was first read.
	Format string `json:"format"`
	// Chain is the synthetic-request-id chain state at Offset.
	Chain Chain `json:"chain"`
	// LastTimeMs is the time of the last parsed line before Offset.
	LastTimeMs int64 `json:"last_time_ms"`
}

// Chain is a synthetic-id chain state; it is stored as hex.
type Chain [16]byte

// MarshalText encodes c as 32 hex digits.
func (c Chain) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, c[:]), nil }

// UnmarshalText decodes 32 hex digits.
func (c *Chain) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(c) {
		return fmt.Errorf("chain %q: want %d hex digits", b, 2*len(c))
	}
	_, err := hex.Decode(c[:], b)
	return err
}

type fileFormat struct {
	Version int     `json:"version"`
	Files   []Entry `json:"files"`
}

// Store is the set of entries of one state directory. Its methods are safe
// for concurrent use.
type Store struct {
	dir, path string
	lock      *os.File

	mu      sync.Mutex
	entries map[Key]Entry
	dirty   bool

	quit, done chan struct{}
	stopOnce   sync.Once
	stopErr    error

	// OnWrite, when set (before Start), is told when each flush that
	// wrote the file finished: a daemon's checkpoint age.
	OnWrite func(time.Time)
}

// Open reads the checkpoints kept in dir, creating dir when it does not
// exist, and locks dir against a second daemon using it at the same time.
// A missing checkpoint file is an empty store. A checkpoint file that cannot
// be read, is corrupt or has an unknown version is an error naming it.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, path: filepath.Join(dir, FileName), lock: lock, entries: map[Key]Entry{}}
	if err := s.load(); err != nil {
		_ = lock.Close()
		return nil, err
	}
	return s, nil
}

// lockDir takes an exclusive lock on dir's lock file, held until the file
// is closed (or the process dies).
func lockDir(dir string) (*os.File, error) {
	p := filepath.Join(dir, lockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("state directory %s is in use by another ingest --follow", dir)
		}
		return nil, fmt.Errorf("lock state directory %s: %w", dir, err)
	}
	return f, nil
}

// MaxFileBytes bounds the checkpoint file when it is read: an entry takes
// about 300 bytes, so this is room for some 200,000 followed files.
const MaxFileBytes = 64 << 20

// Path returns the checkpoint file's path.
func (s *Store) Path() string { return s.path }

func (s *Store) load() error {
	b, err := readlimit.File(s.path, "checkpoint file", MaxFileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if errors.Is(err, readlimit.ErrTooLarge) {
		return fmt.Errorf("%w (move it away to read every file from its start)", err)
	}
	if err != nil {
		return fmt.Errorf("read checkpoint file %s: %w", s.path, unwrapPathError(err))
	}
	entries, err := decode(b)
	if err != nil {
		return fmt.Errorf("checkpoint file %s: %w (move it away to read every file from its start)", s.path, err)
	}
	for _, e := range entries {
		s.entries[e.Key] = e
	}
	return nil
}

// decode parses and validates a checkpoint file's contents.
func decode(b []byte) ([]Entry, error) {
	if len(b) == 0 {
		return nil, errors.New("empty file")
	}
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("corrupt: %v", err)
	}
	switch {
	case head.Version == nil:
		return nil, errors.New("corrupt: no version")
	case *head.Version != Version:
		return nil, fmt.Errorf("unknown version %d (this binary reads version %d: upgrade ratescope)", *head.Version, Version)
	}
	var f fileFormat
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("corrupt: %v", err)
	}
	seen := make(map[Key]bool, len(f.Files))
	for i, e := range f.Files {
		switch {
		case e.Offset < 0 || e.Fingerprint.Len < 0 || e.Fingerprint.Len > e.Offset:
			return nil, fmt.Errorf("corrupt: entry %d: offset %d, fingerprint of %d bytes", i, e.Offset, e.Fingerprint.Len)
		case e.Source == "":
			return nil, fmt.Errorf("corrupt: entry %d: no source", i)
		case seen[e.Key]:
			return nil, fmt.Errorf("corrupt: entry %d: file %d:%d listed twice", i, e.Dev, e.Ino)
		}
		seen[e.Key] = true
	}
	return f.Files, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Get returns the entry of the file k.
func (s *Store) Get(k Key) (Entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[k]
	return e, ok
}

// Set saves e, replacing the entry of the same file.
func (s *Store) Set(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[e.Key] = e
	s.dirty = true
}

// Delete forgets the file k.
func (s *Store) Delete(k Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[k]; ok {
		delete(s.entries, k)
		s.dirty = true
	}
}

// Entries returns every entry, ordered by device and inode.
func (s *Store) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedLocked()
}

func (s *Store) sortedLocked() []Entry {
	out := make([]Entry, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if a.Dev != b.Dev {
			return cmpUint(a.Dev, b.Dev)
		}
		return cmpUint(a.Ino, b.Ino)
	})
	return out
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

// Flush writes the entries to the checkpoint file if they changed since
// the last successful write. On failure the previous file stays in place
// and the next Flush tries again.
func (s *Store) Flush() error {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return nil
	}
	b, err := json.MarshalIndent(fileFormat{Version: Version, Files: s.sortedLocked()}, "", " ")
	s.dirty = false
	s.mu.Unlock()
	if err == nil {
		err = writeAtomic(s.path, append(b, '\n'))
	}
	if err != nil {
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		return fmt.Errorf("write checkpoint file %s: %w", s.path, err)
	}
	if s.OnWrite != nil {
		s.OnWrite(time.Now())
	}
	return nil
}

// writeAtomic replaces path with data: a temp file in the same directory,
// fsync, rename over path, fsync of the directory so the rename is durable.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// Start flushes the store every interval until Stop, reporting failed
// writes to onErr (which may be nil).
func (s *Store) Start(interval time.Duration, onErr func(error)) {
	s.quit, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if err := s.Flush(); err != nil && onErr != nil {
					onErr(err)
				}
			case <-s.quit:
				return
			}
		}
	}()
}

// Stop ends the ticker started by Start, waits for it, flushes one last
// time and releases the state directory. It returns the last flush's error;
// later calls return the same.
func (s *Store) Stop() error {
	s.stopOnce.Do(func() {
		if s.quit != nil {
			close(s.quit)
			<-s.done
		}
		s.stopErr = s.Flush()
		if err := s.lock.Close(); err != nil {
			s.stopErr = errors.Join(s.stopErr, fmt.Errorf("unlock state directory: %w", err))
		}
	})
	return s.stopErr
}

// DefaultDir is the state directory used when none is given:
// $STATE_DIRECTORY (set by systemd's StateDirectory=), else
// $XDG_STATE_HOME/ratescope, else ~/.local/state/ratescope.
func DefaultDir() string {
	if d := os.Getenv("STATE_DIRECTORY"); d != "" {
		return filepath.SplitList(d)[0]
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "ratescope")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".", ".ratescope-state")
	}
	return filepath.Join(home, ".local", "state", "ratescope")
}
