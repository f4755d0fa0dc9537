package loggen

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Output files, one per format, plus the error-body log.
const (
	FileAPIGWArchive = "apigw-archive.log.gz"
	FileAPIGW        = "apigw.log"
	FileAPIGWOverlap = "apigw-overlap.log"
	FileNginx        = "nginx.log"
	FileNginxJSON    = "nginx-json.log"
	FileEnvoy        = "envoy.log"
	FileGateway      = "gateway.jsonl"
	FileAppErrors    = "app-errors.jsonl"
	// ManifestName is the ground-truth file written beside the logs.
	ManifestName = "manifest.json"
	// PlansName is the sample's configuration (ratescope.yaml: its
	// partners, their key ids and plans, the per-IP limits), read through
	// --config or RATESCOPE_CONFIG.
	PlansName = "ratescope.yaml"
)

type sinkID uint8

const (
	sinkArchive sinkID = iota
	sinkAPIGW
	sinkOverlap
	sinkNginx
	sinkNginxJSON
	sinkEnvoy
	sinkGateway
	sinkAppErrors
	numSinks
)

var sinkFiles = [numSinks]struct {
	name, format string
}{
	sinkArchive:   {FileAPIGWArchive, "apigw"},
	sinkAPIGW:     {FileAPIGW, "apigw"},
	sinkOverlap:   {FileAPIGWOverlap, "apigw"},
	sinkNginx:     {FileNginx, "nginx"},
	sinkNginxJSON: {FileNginxJSON, "nginx-json"},
	sinkEnvoy:     {FileEnvoy, "envoy"},
	sinkGateway:   {FileGateway, "jsonl"},
	sinkAppErrors: {FileAppErrors, "jsonl"},
}

type lineKind uint8

const (
	lineRecord    lineKind = iota // a good line: an access record or an error-body record
	lineDuplicate                 // a verbatim repeat of an earlier good line of the same file
	lineMalformed                 // a line ingest must reject
)

// injection is a malformed line planned for the first record of a file at
// or after time at.
type injection struct {
	at   int64
	kind string
}

// sink writes one output file and keeps its manifest entry. Lines are
// counted and their byte offsets (in the uncompressed stream) recorded as
// they are written; a sink with tee on also copies every line to tee.
type sink struct {
	id     sinkID
	file   *File
	f      *os.File
	gz     *gzip.Writer
	bw     *bufio.Writer
	err    error
	offset int64

	tee   *sink
	teeOn bool

	inject []injection // planned malformed lines, by time
	dupAt  []int64     // planned duplicates, by time

	pending     []byte // a line to repeat verbatim after countdown more records
	pendingTeed bool   // pending was also copied to tee when first written
	countdown   int
}

func openSink(dir string, id sinkID, gz, appendTo bool) (*sink, error) {
	name := sinkFiles[id].name
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendTo {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(filepath.Join(dir, name), flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	s := &sink{id: id, f: f, file: &File{Name: name, Format: sinkFiles[id].format, Gzip: gz, Rejected: []Rejected{}}}
	if gz {
		// A zero gzip header (no name, no mtime) keeps the bytes reproducible.
		s.gz, _ = gzip.NewWriterLevel(f, gzip.DefaultCompression)
		s.bw = bufio.NewWriterSize(s.gz, 256<<10)
	} else {
		s.bw = bufio.NewWriterSize(f, 256<<10)
	}
	return s, nil
}

// put writes one line (without its newline) and accounts for it.
func (s *sink) put(b []byte, k lineKind, malformedKind string) {
	if s.err == nil {
		if _, err := s.bw.Write(b); err != nil {
			s.err = err
		} else if err := s.bw.WriteByte('\n'); err != nil {
			s.err = err
		}
	}
	s.file.Lines++
	switch k {
	case lineRecord:
		s.file.Records++
		s.file.RequestIDs++
	case lineDuplicate:
		s.file.Records++
		s.file.Duplicates++
	case lineMalformed:
		s.file.Rejected = append(s.file.Rejected, Rejected{Line: s.file.Lines, Offset: s.offset, Kind: malformedKind})
	}
	s.offset += int64(len(b)) + 1
	if s.teeOn && s.tee != nil {
		if k == lineDuplicate && !s.pendingTeed {
			k = lineRecord // the copy lacks the original: there it is the first
		}
		s.tee.put(b, k, malformedKind)
	}
}

// hold keeps line to be repeated verbatim after n more records.
func (s *sink) hold(line []byte, n int) {
	s.pending = append(s.pending[:0], line...)
	s.pendingTeed = s.teeOn && s.tee != nil
	s.countdown = n
}

// repeat writes the held line again.
func (s *sink) repeat() {
	s.put(s.pending, lineDuplicate, "")
	s.pending = nil
}

// close flushes the sink and closes its file, repeating a pending duplicate first.
// flush writes what is buffered to the file (a live generation's lines
// reach a follower at once). A gzipped sink is left alone: it is never
// followed.
func (s *sink) flush() {
	if s.err == nil && s.gz == nil {
		s.err = s.bw.Flush()
	}
}

func (s *sink) close() error {
	if s.pending != nil {
		s.repeat()
	}
	err := s.err
	if s.bw != nil {
		err = errors.Join(err, s.bw.Flush())
	}
	if s.gz != nil {
		err = errors.Join(err, s.gz.Close())
	}
	err = errors.Join(err, s.f.Close())
	if err != nil {
		return fmt.Errorf("write %s: %w", s.file.Name, err)
	}
	return nil
}
