package loggen_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ratescope/ratescope/internal/loggen"
)

// reread is a sample parsed back from disk.
type reread struct {
	dir       string
	m         *loggen.Manifest
	lines     map[string][]string
	offsets   map[string][]int64
	bad       map[string][]int // 1-based numbers of lines this test rejects
	access    map[string]*access
	synthetic []*access // nginx combined lines
	bodies    map[string][]bodyRec
	partners  map[string]bool
	records   map[string]int64
	distinct  map[string]int64
}

// The samples the tests re-read: seed 1 at the default size is what the
// demo loads, seed 42 another draw, and a small, short one.
var testConfigs = []struct {
	name string
	cfg  loggen.Config
}{
	{"seed1", loggen.Config{Seed: 1, End: testEnd}},
	{"seed42", loggen.Config{Seed: 42, End: testEnd}},
	{"small", loggen.Config{Seed: 3, End: testEnd, Span: loggen.MinSpan, Requests: 1500}},
}

var (
	samplesMu sync.Mutex
	samples   = map[string]*reread{}
	tmpDirs   []string
)

// forEachSample runs f on every re-read test sample, generating and parsing
// each once for all tests.
func forEachSample(t *testing.T, f func(t *testing.T, s *reread)) {
	for _, tc := range testConfigs {
		t.Run(tc.name, func(t *testing.T) {
			f(t, sampleFor(t, tc.name, tc.cfg))
		})
	}
}

func sampleFor(t *testing.T, name string, cfg loggen.Config) *reread {
	t.Helper()
	samplesMu.Lock()
	defer samplesMu.Unlock()
	if s := samples[name]; s != nil {
		return s
	}
	dir, err := os.MkdirTemp("", "loggen-test-")
	if err != nil {
		t.Fatal(err)
	}
	tmpDirs = append(tmpDirs, dir)
	if _, err := loggen.Generate(t.Context(), dir, cfg); err != nil {
		t.Fatal(err)
	}
	samples[name] = readSample(t, dir)
	return samples[name]
}

// defaultSize reports whether s has the default size and span, which the
// rate-limit story (acme near its limit, hooli over its quota) is tuned for.
func (s *reread) defaultSize() bool {
	return s.m.BackgroundRequests == loggen.DefaultRequests && s.m.Span == loggen.DefaultSpan.String()
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tmpDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func readLines(t *testing.T, path string) ([]string, []int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = gz
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end with a newline", path)
	}
	var lines []string
	var offs []int64
	off := int64(0)
	for _, l := range bytes.SplitAfter(data[:len(data)-1], []byte("\n")) {
		lines = append(lines, strings.TrimSuffix(string(l), "\n"))
		offs = append(offs, off)
		off += int64(len(l))
	}
	return lines, offs
}

func readSample(t *testing.T, dir string) *reread {
	t.Helper()
	m, err := loggen.ReadManifest(filepath.Join(dir, loggen.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	s := &reread{dir: dir, m: m, lines: map[string][]string{}, offsets: map[string][]int64{}, bad: map[string][]int{},
		access: map[string]*access{}, bodies: map[string][]bodyRec{}, partners: map[string]bool{},
		records: map[string]int64{}, distinct: map[string]int64{}}
	for _, f := range m.Files {
		lines, offs := readLines(t, filepath.Join(dir, f.Name))
		s.lines[f.Name], s.offsets[f.Name] = lines, offs
		seen := map[string]string{}
		for i, line := range lines {
			var id string
			var a *access
			var body map[string]any
			var br bodyRec
			var err error
			switch f.Name {
			case loggen.FileAPIGW, loggen.FileAPIGWOverlap:
				id, a, err = parseAPIGW(line, false)
			case loggen.FileAPIGWArchive:
				id, a, err = parseAPIGW(line, true)
			case loggen.FileNginx:
				a, err = parseCombined(line)
			case loggen.FileNginxJSON:
				id, a, body, err = parseNginxJSON(line)
			case loggen.FileEnvoy:
				id, a, err = parseEnvoy(line)
			case loggen.FileGateway:
				id, a, body, err = parseGateway(line)
			case loggen.FileAppErrors:
				id, br, err = parseAppError(line)
			default:
				t.Fatalf("manifest lists an unknown file %s", f.Name)
			}
			if err != nil {
				s.bad[f.Name] = append(s.bad[f.Name], i+1)
				continue
			}
			s.records[f.Name]++
			if f.Name == loggen.FileNginx {
				a.file = f.Name
				s.synthetic = append(s.synthetic, a)
				s.distinct[f.Name]++
				continue
			}
			if prev, dup := seen[id]; dup {
				if prev != line {
					t.Errorf("%s:%d: request id %s repeats with a different line", f.Name, i+1, id)
				}
				continue
			}
			seen[id] = line
			s.distinct[f.Name]++
			if a != nil {
				a.file = f.Name
				if a.partner != "" {
					s.partners[a.partner] = true
				}
				if old, ok := s.access[id]; ok && old.file != loggen.FileAPIGW && old.file != loggen.FileAPIGWOverlap {
					t.Errorf("request id %s is in %s and %s", id, old.file, f.Name)
				}
				if _, ok := s.access[id]; !ok || f.Name != loggen.FileAPIGWOverlap {
					s.access[id] = a
				}
			}
			if body != nil {
				s.bodies[id] = append(s.bodies[id], bodyRec{file: f.Name, body: body, raw: line})
			}
			if br.body != nil {
				br.file, br.raw = f.Name, line
				s.bodies[id] = append(s.bodies[id], br)
			}
		}
	}
	return s
}
