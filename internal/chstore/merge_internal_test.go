package chstore

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/ratescope/ratescope/internal/errbody"
)

// dumpRequests renders every column of b but the times (resolved only at
// insert) as text, row by row.
func dumpRequests(b *RequestBatch) []string {
	rows := make([]string, 0, len(requestColumns))
	for _, c := range requestColumns {
		switch c.name {
		case "time", "time_ms", "ingested_at":
			continue
		}
		vals := fmt.Sprint(c.values(b, nil, 0, b.Len()))
		rows = append(rows, c.name+"="+vals)
	}
	return rows
}

// TestAppendBatchEqualsAppend: rows appended to batches of a few rows
// each, then gathered with AppendBatch (and the batches Reset and reused,
// as ingest.Parallel does), are the rows appended to one batch — text,
// field lists, and rows appended to the gathering batch itself between
// gatherings; a replaced request id and dead-letter time land on their
// row.
func TestAppendBatchEqualsAppend(t *testing.T) {
	r, env := benchRecord()
	row := func(i int) (*errbody.Envelope, Meta) {
		r.RequestID = []byte("id-" + strconv.Itoa(i))
		r.Path = fmt.Appendf(nil, "/v1/%d/%s", i, make([]byte, i%50))
		m := Meta{Source: "f" + strconv.Itoa(i/7), Format: "nginx-json", Offset: uint64(i)}
		if i%3 == 0 {
			return nil, m
		}
		e := *env
		e.Fields = []errbody.FieldError{{Field: "f" + strconv.Itoa(i), Message: "m"}, {Field: "g", Message: "n" + strconv.Itoa(i)}}
		return &e, m
	}
	for _, per := range []int{1, 3, 16, 1000} {
		t.Run(fmt.Sprintf("chunks of %d", per), func(t *testing.T) {
			want, wantRej := NewRequestBatch(0), NewRejectBatch(0)
			got, gotRej := NewRequestBatch(0), NewRejectBatch(0)
			part, partRej := NewRequestBatch(per), NewRejectBatch(0)
			for i := range 500 {
				e, m := row(i)
				want.Append(r, KindAccess, e, m)
				wantRej.Append(m, int64(i), "bad", []byte("raw "+strconv.Itoa(i)))
				if i%37 == 0 { // straight into the gathering batch
					got.AppendBatch(part)
					gotRej.AppendBatch(partRej)
					part.Reset()
					partRej.Reset()
					got.Append(r, KindAccess, e, m)
					gotRej.Append(m, int64(i), "bad", []byte("raw "+strconv.Itoa(i)))
					continue
				}
				part.Append(r, KindAccess, e, m)
				partRej.Append(m, 0, "bad", []byte("raw "+strconv.Itoa(i)))
				if part.Len() == per {
					got.AppendBatch(part)
					gotRej.AppendBatch(partRej)
					part.Reset()
					partRej.Reset()
				}
			}
			got.AppendBatch(part)
			gotRej.AppendBatch(partRej)
			part.Reset() // must not touch what got took over
			for i := range 5 {
				part.Append(r, KindAccess, nil, Meta{Source: "x" + strconv.Itoa(i)})
			}
			for i := range gotRej.Len() {
				gotRej.SetTimeMs(i, int64(i))
			}
			g, w := dumpRequests(got), dumpRequests(want)
			if len(g) != len(w) {
				t.Fatalf("%d columns, want %d", len(g), len(w))
			}
			for i := range w {
				if g[i] != w[i] {
					t.Errorf("column %d:\n%.300s\nwant\n%.300s", i, g[i], w[i])
				}
			}
			if fmt.Sprint(gotRej.sourceCol, gotRej.offset, gotRej.raw, gotRej.timeMs) != fmt.Sprint(wantRej.sourceCol, wantRej.offset, wantRej.raw, wantRej.timeMs) {
				t.Error("dead letters differ")
			}
			got.SetRequestID(42, []byte("s-new"))
			if s := got.text.str(got.requestID[42]); s != "s-new" {
				t.Errorf("row 42's id is %q after SetRequestID", s)
			}
			if s := got.text.str(got.requestID[43]); s != "id-43" {
				t.Errorf("row 43's id is %q, want id-43", s)
			}
		})
	}
}
