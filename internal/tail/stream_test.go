package tail

import (
	"io"
	"strings"
	"testing"
)

// nextStream returns a stream's next line, its unterminated last one at
// the end, and ok == false after that.
func nextStream(t *testing.T, s *Tailer) (Line, bool) {
	t.Helper()
	l, ok, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		l, ok = s.Rest()
	}
	return l, ok
}

func readAll(t *testing.T, input string, bufSize, max int) []Line {
	t.Helper()
	s := NewStream(strings.NewReader(input), "input", Options{BufferBytes: bufSize, MaxLineBytes: max})
	var out []Line
	for {
		l, ok := nextStream(t, s)
		if !ok {
			return out
		}
		l.Bytes = append([]byte(nil), l.Bytes...)
		out = append(out, l)
	}
}

// TestStream: a stream (what a one-shot load reads) is split into lines
// as a file is, its last line without '\n' included.
func TestStream(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name    string
		input   string
		bufSize int
		max     int
		want    []Line
	}{
		{"empty", "", 16, 64, nil},
		{"lines and offsets", "ab\ncd\r\n\nef", 16, 64, []Line{
			{Bytes: []byte("ab"), Offset: 0, Number: 1},
			{Bytes: []byte("cd"), Offset: 3, Number: 2},
			{Bytes: []byte(""), Offset: 7, Number: 3},
			{Bytes: []byte("ef"), Offset: 8, Number: 4},
		}},
		{"line longer than the buffer but within the limit", "a\n" + long + "\nb\n", 16, 200, []Line{
			{Bytes: []byte("a"), Offset: 0, Number: 1},
			{Bytes: []byte(long), Offset: 2, Number: 2},
			{Bytes: []byte("b"), Offset: 103, Number: 3},
		}},
		{"line over the limit is cut and reading goes on", "a\n" + long + "\nb", 16, 50, []Line{
			{Bytes: []byte("a"), Offset: 0, Number: 1},
			{Bytes: []byte(long), Offset: 2, Number: 2, TooLong: true},
			{Bytes: []byte("b"), Offset: 103, Number: 3},
		}},
		{"over the limit within one buffer", long + "\nb\n", 256, 50, []Line{
			{Bytes: []byte(long), Offset: 0, Number: 1, TooLong: true},
			{Bytes: []byte("b"), Offset: 101, Number: 2},
		}},
		{"exactly at the limit", long + "\n", 16, 100, []Line{
			{Bytes: []byte(long), Offset: 0, Number: 1},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readAll(t, c.input, c.bufSize, c.max)
			if len(got) != len(c.want) {
				t.Fatalf("got %d lines %+v, want %d", len(got), got, len(c.want))
			}
			for i := range got {
				g, w := got[i], c.want[i]
				if g.TooLong && w.TooLong && len(g.Bytes) > 0 && strings.HasPrefix(string(w.Bytes), string(g.Bytes)) {
					g.Bytes = w.Bytes // an over-long line is returned cut: any non-empty head will do
				}
				if string(g.Bytes) != string(w.Bytes) || g.Offset != w.Offset || g.Number != w.Number || g.TooLong != w.TooLong {
					t.Errorf("line %d = {%q off %d no %d long %v}, want {%q off %d no %d long %v}",
						i, g.Bytes, g.Offset, g.Number, g.TooLong, w.Bytes, w.Offset, w.Number, w.TooLong)
				}
			}
		})
	}
}

func TestStreamHugeLineKeepsMemoryBounded(t *testing.T) {
	// A 64 MiB line with a 1 MiB limit: only the kept head is returned and
	// the reader never holds much more than the limit.
	huge := io.MultiReader(strings.NewReader("first\n"), io.LimitReader(neverNewline{}, 64<<20), strings.NewReader("\nlast\n"))
	s := NewStream(huge, "huge", Options{BufferBytes: 64 << 10, MaxLineBytes: 1 << 20})
	var lines []Line
	for {
		l, ok := nextStream(t, s)
		if !ok {
			break
		}
		if cap(s.buf) > 3<<20 {
			t.Fatalf("reader holds %d bytes for a line over a 1 MiB limit", cap(s.buf))
		}
		lines = append(lines, Line{Bytes: append([]byte(nil), l.Bytes...), TooLong: l.TooLong, Offset: l.Offset})
	}
	if len(lines) != 3 || !lines[1].TooLong || len(lines[1].Bytes) != KeepOfLong || string(lines[2].Bytes) != "last" {
		t.Fatalf("got %d lines; middle too long=%v len=%d; last=%q", len(lines), lines[1].TooLong, len(lines[1].Bytes), lines[2].Bytes)
	}
	if lines[2].Offset != 6+64<<20+1 {
		t.Fatalf("offset after the huge line = %d", lines[2].Offset)
	}
}

type neverNewline struct{}

func (neverNewline) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'z'
	}
	return len(p), nil
}

// chunkReader returns at most step bytes per Read.
type chunkReader struct {
	data []byte
	step int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.step)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// FuzzStream reads data as a stream in chunks and checks that the lines are
// exactly those of data — whatever the chunking, the limit and the buffer —
// with their offsets and numbers, the over-long ones cut.
func FuzzStream(f *testing.F) {
	f.Add([]byte("a\nbb\r\n\nccc"), uint8(1), uint8(2))
	f.Add([]byte("0123456789abcdef\nshort\n0123456789abcdef0123456789\r\nend"), uint8(5), uint8(10))
	f.Add([]byte("\x1f\x8b\n\n\r\n"), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk, limit uint8) {
		max := int(limit%64) + 1
		s := NewStream(&chunkReader{data: data, step: int(chunk%31) + 1}, "fuzz", Options{MaxLineBytes: max, BufferBytes: 8})
		var lines []Line
		for {
			l, ok := nextStream(t, s)
			if !ok {
				break
			}
			l.Bytes = append([]byte(nil), l.Bytes...)
			lines = append(lines, l)
		}
		want := strings.Split(string(data), "\n")
		if want[len(want)-1] == "" {
			want = want[:len(want)-1]
		}
		if len(lines) != len(want) {
			t.Fatalf("%d lines, want %d", len(lines), len(want))
		}
		var off int64
		for i, raw := range want {
			l, trimmed := lines[i], strings.TrimSuffix(raw, "\r")
			if l.Offset != off || l.Number != uint64(i+1) || l.TooLong != (len(trimmed) > max) {
				t.Fatalf("line %d: offset %d number %d too long %v; want %d, %d, %v", i, l.Offset, l.Number, l.TooLong, off, i+1, len(trimmed) > max)
			}
			if l.TooLong && (len(l.Bytes) == 0 || !strings.HasPrefix(raw, string(l.Bytes))) || !l.TooLong && string(l.Bytes) != trimmed {
				t.Fatalf("line %d = %q, want %q", i, l.Bytes, raw)
			}
			off += int64(len(raw)) + 1
		}
		if s.Offset() != int64(len(data)) {
			t.Fatalf("final offset %d, want %d", s.Offset(), len(data))
		}
	})
}
