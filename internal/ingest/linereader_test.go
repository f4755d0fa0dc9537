package ingest

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, input string, bufSize, max int) []Line {
	t.Helper()
	lr := NewLineReader(bufio.NewReaderSize(strings.NewReader(input), bufSize), max)
	var out []Line
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		l.Bytes = append([]byte(nil), l.Bytes...)
		out = append(out, l)
	}
}

func TestLineReader(t *testing.T) {
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

func TestLineReaderHugeLineKeepsMemoryBounded(t *testing.T) {
	// A 64 MiB line with a 1 MiB limit: only the kept head is returned and
	// the reader never holds much more than the limit.
	huge := io.MultiReader(strings.NewReader("first\n"), io.LimitReader(neverNewline{}, 64<<20), strings.NewReader("\nlast\n"))
	lr := NewLineReader(bufio.NewReaderSize(huge, 64<<10), 1<<20)
	var lines []Line
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if cap(lr.long) > 3<<20 {
			t.Fatalf("reader holds %d bytes for a line over a 1 MiB limit", cap(lr.long))
		}
		lines = append(lines, Line{Bytes: append([]byte(nil), l.Bytes...), TooLong: l.TooLong, Offset: l.Offset})
	}
	if len(lines) != 3 || !lines[1].TooLong || len(lines[1].Bytes) != keepOfLong || string(lines[2].Bytes) != "last" {
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
