package accesslog_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chtest"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/real_corpus.golden from the parser's output (review the diff!)")

// TestRealCorpusGolden reads every line of the real-world access-log
// corpus — ../shared/testdata/real in place and the repository's own
// testdata/access — as the pipeline does (container wrappers removed,
// format detected per file, mixed when none fits) and compares the fields
// reports depend on — outcome, time, status, method, path, client IP,
// latency — with testdata/real_corpus.golden, whose every line was checked
// by hand against the source line. It logs, per format, how many lines are
// tested and how many are stored.
func TestRealCorpusGolden(t *testing.T) {
	shared := chtest.RealTestdata(t)
	own := filepath.Join(chtest.RepoRoot(t), "testdata", "access")
	var files []string
	for _, pattern := range []string{filepath.Join(shared, "*", "*.log"), filepath.Join(own, "*", "*.log")} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	type tally struct{ lines, stored int }
	byFormat := map[string]*tally{}
	var got []string
	for _, path := range files {
		key := filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
		if strings.HasPrefix(path, own) {
			key = "testdata/access/" + key
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var sample [][]byte
		for line := range bytes.Lines(data) {
			if len(sample) < 20 && len(bytes.TrimSpace(line)) > 0 {
				sample = append(sample, bytes.TrimRight(line, "\n"))
			}
		}
		format := accesslog.Detect(sample)
		if format == accesslog.FormatAuto {
			format = accesslog.FormatMixed
		}
		p := accesslog.NewParser(format)
		var u accesslog.Unwrapper
		var pending []byte
		n := 0
		for line := range bytes.Lines(data) {
			n++
			line = bytes.TrimRight(line, "\n")
			content, partial, w := u.Unwrap(line)
			if w != accesslog.WrapNone {
				if partial {
					pending = append(pending, content...)
					continue
				}
				if len(pending) > 0 {
					content = append(pending, content...)
					pending = nil
				}
				line = content
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var r accesslog.Record
			err := p.Parse(line, &r)
			f := p.LineFormat().String()
			if p.LineFormat() == accesslog.FormatAuto {
				f = format.String() // a line of a mixed file that fits no format
			}
			if byFormat[f] == nil {
				byFormat[f] = &tally{}
			}
			byFormat[f].lines++
			var pe *accesslog.ParseError
			switch {
			case errors.As(err, &pe):
				got = append(got, fmt.Sprintf("%s:%d\t%s\trejected %s", key, n, f, pe.Reason))
			case err != nil:
				t.Fatalf("%s:%d: %v", key, n, err)
			default:
				byFormat[f].stored++
				got = append(got, fmt.Sprintf("%s:%d\t%s\t%s\t%d\t%s\t%s\t%s\t%g", key, n, f,
					time.UnixMilli(r.TimeMs).UTC().Format("2006-01-02T15:04:05.000Z"), r.Status, r.Method, r.Path, r.ClientIP, r.LatencyMs))
			}
		}
	}
	sort.Strings(got)
	golden := filepath.Join("testdata", "real_corpus.golden")
	text := "# file:line\tformat\ttime\tstatus\tmethod\tpath\tclient_ip\tlatency_ms (-1 = not logged), or: rejected reason\n" +
		strings.Join(got, "\n") + "\n"
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	wantLines := strings.Split(strings.TrimSpace(string(want)), "\n")[1:]
	if len(wantLines) != len(got) {
		t.Errorf("%d lines read, the golden file has %d", len(got), len(wantLines))
	}
	for i := range min(len(got), len(wantLines)) {
		if got[i] != wantLines[i] {
			t.Errorf("line differs:\n got %s\nwant %s", got[i], wantLines[i])
		}
	}
	var formats []string
	for f := range byFormat {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	for _, f := range formats {
		t.Logf("%-10s %3d real lines, %3d stored with the fields above, %d rejected", f, byFormat[f].lines, byFormat[f].stored, byFormat[f].lines-byFormat[f].stored)
	}
}
