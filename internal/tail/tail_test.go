package tail

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func appendFile(t testing.TB, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func openT(t testing.TB, path string, opts Options) *Tailer {
	t.Helper()
	tl, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tl.Close() })
	return tl
}

// got is a line as the tests compare it.
type got struct {
	Text    string
	Offset  int64
	Number  uint64
	TooLong bool
}

func (g got) String() string {
	return fmt.Sprintf("{%q off %d no %d long %v}", g.Text, g.Offset, g.Number, g.TooLong)
}

// drain returns every complete line available now.
func drain(t testing.TB, tl *Tailer) []got {
	t.Helper()
	var out []got
	for {
		l, ok, err := tl.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, got{string(l.Bytes), l.Offset, l.Number, l.TooLong})
	}
}

func wantLines(t *testing.T, step string, have []got, want ...got) {
	t.Helper()
	if fmt.Sprint(have) != fmt.Sprint(want) {
		t.Fatalf("%s: lines\n%v\nwant\n%v", step, have, want)
	}
}

func TestLinesArriveOnlyWhenComplete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	appendFile(t, path, "")
	tl := openT(t, path, Options{BufferBytes: 8})
	wantLines(t, "empty file", drain(t, tl))
	appendFile(t, path, "first\r\n\nsec")
	wantLines(t, "partial second line", drain(t, tl), got{"first", 0, 1, false}, got{"", 7, 2, false})
	appendFile(t, path, "ond li")
	wantLines(t, "still partial", drain(t, tl))
	appendFile(t, path, "ne\nthird\n")
	wantLines(t, "completed", drain(t, tl), got{"second line", 8, 3, false}, got{"third", 20, 4, false})
	if p, err := tl.Position(); err != nil || p.Offset != 26 || p.Line != 4 || p.Fingerprint.Len != 26 {
		t.Fatalf("position %+v, %v; want offset 26, line 4, fingerprint of 26 bytes", p, err)
	}
	appendFile(t, path, "last, unterminated")
	wantLines(t, "unterminated", drain(t, tl))
	l, ok := tl.Rest()
	if !ok || string(l.Bytes) != "last, unterminated" || l.Offset != 26 || l.Number != 5 {
		t.Fatalf("Rest = %q off %d no %d ok %v", l.Bytes, l.Offset, l.Number, ok)
	}
	if _, ok := tl.Rest(); ok {
		t.Fatal("Rest returned the last line twice")
	}
}

func TestOverLongLinesAreCutAndReadingGoesOn(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name   string
		chunks []string
		want   []got
	}{
		{"in one write", []string{"a\n" + long + "\nb\n"}, []got{{"a", 0, 1, false}, {long[:40], 2, 2, true}, {"b", 103, 3, false}}},
		{"written in pieces", []string{"a\n", long[:30], long[30:70], long[70:], "\nb\n"}, []got{{"a", 0, 1, false}, {long[:40], 2, 2, true}, {"b", 103, 3, false}}},
		{"exactly at the limit", []string{long[:40] + "\r\n" + long[:41] + "\n"}, []got{{long[:40], 0, 1, false}, {long[:40], 42, 2, true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.log")
			appendFile(t, path, "")
			tl := openT(t, path, Options{MaxLineBytes: 40, BufferBytes: 16})
			var all []got
			for _, ch := range c.chunks {
				appendFile(t, path, ch)
				all = append(all, drain(t, tl)...)
			}
			for i := range all {
				if all[i].TooLong && strings.HasPrefix(long, all[i].Text) && len(all[i].Text) > 0 {
					all[i].Text = long[:40] // a cut line keeps some head; its length is not the point
				}
			}
			wantLines(t, "lines", all, c.want...)
			if len(tl.buf) > 64 {
				t.Errorf("buffer grew to %d bytes for a 40-byte limit", len(tl.buf))
			}
		})
	}
}

func TestCheckDetectsTruncationAndRewrite(t *testing.T) {
	cases := []struct {
		name      string
		rewrite   string // the file's new content after truncation; "" = only append "more\n"
		truncated bool
		next      []got
	}{
		{"growth is not truncation", "", false, []got{{"more", 12, 3, false}}},
		{"shorter than what was read", "new\n", true, []got{{"new", 0, 1, false}}},
		{"rewritten longer than what was read", "brand new content\n", true, []got{{"brand new content", 0, 1, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.log")
			appendFile(t, path, "line1\nline2\n")
			tl := openT(t, path, Options{})
			wantLines(t, "before", drain(t, tl), got{"line1", 0, 1, false}, got{"line2", 6, 2, false})
			if c.rewrite == "" {
				appendFile(t, path, "more\n")
			} else if err := os.WriteFile(path, []byte(c.rewrite), 0o644); err != nil { // O_TRUNC: same inode
				t.Fatal(err)
			}
			ch, err := tl.Check()
			if err != nil {
				t.Fatal(err)
			}
			if ch.Truncated != c.truncated || ch.Deleted {
				t.Fatalf("Check = %+v, want truncated %v", ch, c.truncated)
			}
			wantLines(t, "after", drain(t, tl), c.next...)
		})
	}
}

func TestDeletedFileIsReadToItsEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	appendFile(t, path, "one\n")
	tl := openT(t, path, Options{})
	wantLines(t, "first", drain(t, tl), got{"one", 0, 1, false})
	appendFile(t, path, "two\nthree")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	ch, err := tl.Check()
	if err != nil || !ch.Deleted || ch.Truncated || ch.Size != 13 {
		t.Fatalf("Check = %+v, %v; want deleted, size 13", ch, err)
	}
	wantLines(t, "rest", drain(t, tl), got{"two", 4, 2, false})
	if l, ok := tl.Rest(); !ok || string(l.Bytes) != "three" {
		t.Fatalf("Rest = %q, %v", l.Bytes, ok)
	}
}

func TestIdentitySurvivesRenameNotReplacement(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	appendFile(t, path, "old\n")
	old := openT(t, path, Options{})
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "new\n")
	renamed := openT(t, path+".1", Options{})
	successor := openT(t, path, Options{})
	if old.ID() != renamed.ID() {
		t.Errorf("rename changed the identity: %v -> %v", old.ID(), renamed.ID())
	}
	if old.ID() == successor.ID() {
		t.Errorf("the new file at the path has the old identity %v", old.ID())
	}
}

func TestResume(t *testing.T) {
	const content = "alpha\nbravo\ncharlie\n"
	saved := func(t *testing.T, path string) Position {
		t.Helper()
		appendFile(t, path, content)
		tl2 := openT(t, path, Options{})
		for range 2 {
			if _, ok, err := tl2.Next(); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		p, err := tl2.Position()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name   string
		change func(t *testing.T, path string)
		ok     bool
		why    string
		next   []got
	}{
		{"same file, grown", func(t *testing.T, path string) { appendFile(t, path, "delta\n") }, true, "",
			[]got{{"charlie", 12, 3, false}, {"delta", 20, 4, false}}},
		{"truncated below the offset", func(t *testing.T, path string) { writeFile(t, path, "x\n") }, false, "beyond its size",
			[]got{{"x", 0, 1, false}}},
		{"same inode, other content", func(t *testing.T, path string) { writeFile(t, path, "ALPHA\nBRAVO\nCHARLIE\n") }, false, "first bytes changed",
			[]got{{"ALPHA", 0, 1, false}, {"BRAVO", 6, 2, false}, {"CHARLIE", 12, 3, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.log")
			pos := saved(t, path)
			if pos.Offset != 12 || pos.Line != 2 {
				t.Fatalf("saved position %+v", pos)
			}
			c.change(t, path)
			tl := openT(t, path, Options{})
			ok, why, err := tl.Resume(pos)
			if err != nil || ok != c.ok || !strings.Contains(why, c.why) {
				t.Fatalf("Resume = %v %q %v, want %v %q", ok, why, err, c.ok, c.why)
			}
			wantLines(t, "after resume", drain(t, tl), c.next...)
		})
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCompressedFileIsRefused(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("a\nb\n"))
	_ = zw.Close()
	path := filepath.Join(t.TempDir(), "a.log.2.gz")
	writeFile(t, path, gz.String())
	tl := openT(t, path, Options{})
	if _, _, err := tl.Next(); !errors.Is(err, ErrCompressed) {
		t.Fatalf("Next on a gzip file: err = %v, want ErrCompressed", err)
	}
	// The magic may arrive one byte at a time.
	path2 := filepath.Join(t.TempDir(), "b.log")
	writeFile(t, path2, gz.String()[:1])
	tl2 := openT(t, path2, Options{})
	if _, ok, err := tl2.Next(); ok || err != nil {
		t.Fatalf("one byte: %v %v", ok, err)
	}
	appendFile(t, path2, gz.String()[1:])
	if _, _, err := tl2.Next(); !errors.Is(err, ErrCompressed) {
		t.Fatalf("magic completed later: err = %v, want ErrCompressed", err)
	}
}

func TestSampleDoesNotConsume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	appendFile(t, path, "a\n\nb\nc")
	tl := openT(t, path, Options{})
	s, full, err := tl.Sample(3)
	if err != nil || full || len(s) != 2 || string(s[0]) != "a" || string(s[1]) != "b" {
		t.Fatalf("Sample = %q full %v err %v; want [a b], not full", s, full, err)
	}
	appendFile(t, path, "\nd\n")
	s, full, _ = tl.Sample(3)
	if !full || len(s) != 3 {
		t.Fatalf("Sample = %q full %v; want 3 lines, full", s, full)
	}
	wantLines(t, "lines after sampling", drain(t, tl),
		got{"a", 0, 1, false}, got{"", 2, 2, false}, got{"b", 3, 3, false}, got{"c", 5, 4, false}, got{"d", 7, 5, false})
}
