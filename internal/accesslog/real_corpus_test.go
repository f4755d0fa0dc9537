package accesslog_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
	files := realLogFiles(t)
	own := filepath.Join(chtest.RepoRoot(t), "testdata", "access")
	type tally struct{ lines, stored int }
	byFormat := map[string]*tally{}
	var got []string
	for _, path := range files {
		if filepath.Base(path) == bigCombined {
			continue // 1000 lines: TestRealCombinedOracle checks them
		}
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

// bigCombined is the largest real file: a shop's combined log vendored
// by lnav (testdata/SOURCES.md).
const bigCombined = "logfile_shop_access_log.0.log"

// combinedOracle reads a plain combined line with a regular expression —
// an implementation independent of the parser's.
var (
	combinedOracle    = regexp.MustCompile(`^(\S+) \S+ \S+ \[([^\]]+)\] "([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) (\d+|-)`)
	trailingForwarded = regexp.MustCompile(`" "((?:\d{1,3}\.){3}\d{1,3})(?:, [^"]*)?"$`)
)

// TestRealCombinedOracle compares, for every real line in nginx's combined
// format, the parser's time, status, method, path and client IP with what
// a regular expression reads from the line. Lines the expression does not
// match (variants: host prefixes, forwarded-for lists, empty requests) are
// counted and left to TestRealCorpusGolden.
func TestRealCombinedOracle(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(chtest.RealTestdata(t), "nginx-combined", "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(chtest.RepoRoot(t), "testdata", "access", "lnav", bigCombined))
	p := accesslog.NewParser(accesslog.FormatNginx)
	var lines, checked, forwarded int
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for line := range bytes.Lines(data) {
			n++
			lines++
			line = bytes.TrimRight(line, "\n")
			m := combinedOracle.FindSubmatch(line)
			if m == nil {
				continue
			}
			checked++
			var r accesslog.Record
			if err := p.Parse(line, &r); err != nil {
				t.Errorf("%s:%d: %v", filepath.Base(path), n, err)
				continue
			}
			when, err := time.Parse("02/Jan/2006:15:04:05 -0700", string(m[2]))
			if err != nil {
				t.Fatalf("%s:%d: oracle time: %v", filepath.Base(path), n, err)
			}
			got := fmt.Sprintf("%d %d %s %s %s", r.TimeMs, r.Status, r.Method, r.Path, r.ClientIP)
			client := m[1]
			if x := trailingForwarded.FindSubmatch(line); x != nil {
				client = x[1] // nginx's "main" format: "$http_x_forwarded_for" last
				forwarded++
			}
			want := fmt.Sprintf("%d %s %s %s %s", when.UnixMilli(), m[5], m[3], m[4], client)
			if got != want {
				t.Errorf("%s:%d:\n got %s\nwant %s", filepath.Base(path), n, got, want)
			}
		}
	}
	t.Logf("%d real combined lines, %d of plain combined checked against the oracle, %d with a trailing forwarded-for client", lines, checked, forwarded)
	if checked < 1000 {
		t.Errorf("only %d lines checked", checked)
	}
}

// realLogFiles lists the real-world corpus's access logs
// (../shared/testdata/real, read in place) and the repository's own
// (testdata/access).
func realLogFiles(t *testing.T) []string {
	t.Helper()
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
	return files
}
