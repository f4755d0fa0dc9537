package tail

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzChunkedWrites writes data to a file in chunks, reading after each,
// and checks that the tailer returns exactly the lines of data — whatever
// the chunking, the line limit and the buffer size — with their offsets,
// numbers and the over-long ones cut.
func FuzzChunkedWrites(f *testing.F) {
	f.Add([]byte("a\nbb\r\n\nccc"), uint8(1), uint8(2))
	f.Add([]byte("0123456789abcdef\nshort\n0123456789abcdef0123456789\r\nend"), uint8(5), uint8(10))
	f.Add([]byte("\n\n\r\n"), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk, limit uint8) {
		step := int(chunk%31) + 1
		max := int(limit%64) + 1
		path := filepath.Join(t.TempDir(), "f.log")
		w, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		tl, err := Open(path, Options{MaxLineBytes: max, BufferBytes: 8})
		if err != nil {
			t.Fatal(err)
		}
		defer tl.Close()
		var lines []Line
		keep := func(l Line) {
			l.Bytes = append([]byte(nil), l.Bytes...)
			lines = append(lines, l)
		}
		for off := 0; off < len(data); off += step {
			if _, err := w.Write(data[off:min(off+step, len(data))]); err != nil {
				t.Fatal(err)
			}
			for {
				l, ok, err := tl.Next()
				if err == ErrCompressed {
					return // data starting with the gzip magic is refused, as it should be
				}
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				keep(l)
			}
		}
		if l, ok := tl.Rest(); ok {
			keep(l)
		}
		// The reference: split on '\n'; a final piece without one is a line too.
		want := bytes.Split(data, []byte("\n"))
		if len(want[len(want)-1]) == 0 {
			want = want[:len(want)-1]
		}
		if len(lines) != len(want) {
			t.Fatalf("%d lines, want %d", len(lines), len(want))
		}
		var off int64
		for i, raw := range want {
			l := lines[i]
			trimmed := bytes.TrimSuffix(raw, []byte("\r"))
			if l.Offset != off || l.Number != uint64(i+1) {
				t.Fatalf("line %d at offset %d number %d, want %d, %d", i, l.Offset, l.Number, off, i+1)
			}
			if tooLong := len(trimmed) > max; l.TooLong != tooLong {
				t.Fatalf("line %d (%d bytes, limit %d): TooLong = %v", i, len(trimmed), max, l.TooLong)
			}
			if l.TooLong {
				if len(l.Bytes) == 0 || !bytes.HasPrefix(raw, l.Bytes) {
					t.Fatalf("line %d cut to %q, not a prefix of %q", i, l.Bytes, raw)
				}
			} else if !bytes.Equal(l.Bytes, trimmed) {
				t.Fatalf("line %d = %q, want %q", i, l.Bytes, trimmed)
			}
			off += int64(len(raw)) + 1
		}
		if p, err := tl.Position(); err != nil || p.Offset != int64(len(data)) {
			t.Fatalf("final position %+v %v, want offset %d", p, err, len(data))
		}
	})
}

// BenchmarkNext reads a file of ~300-byte lines to its end.
func BenchmarkNext(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.log")
	var buf bytes.Buffer
	line := []byte(`{"time":"2026-11-20T10:00:00.120Z","request_id":"r-000000","method":"GET","path":"/v1/bookings/1001","status":200,"partner":"acme","client_ip":"203.0.113.7","latency_ms":12.5,"user_agent":"partner-sdk/2.1 (linux; go1.26)","route":"/v1/bookings/{id}","bytes":1234}`)
	for buf.Len() < 8<<20 {
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tl, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, ok, err := tl.Next()
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
			n++
		}
		_ = tl.Close()
		if n == 0 {
			b.Fatal("no lines")
		}
	}
}
