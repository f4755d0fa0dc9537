package chquery

import (
	"context"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/ratescope/ratescope/internal/chstore"
)

// Recorder is told every statement a Reader sends, before it is sent. The
// conformance suite records the statements the reports issue and replays
// them on a second engine.
type Recorder interface {
	Record(Statement)
}

// Reader sends read statements to one ClickHouse database. Report code
// asks it for rows instead of reaching for the connection. A Reader is
// safe for concurrent use when its Recorder is.
type Reader struct {
	conn     driver.Conn
	tables   Tables
	recorder Recorder
}

// New returns a Reader of db's tables.
func New(db *chstore.DB) *Reader {
	t := Tables{Database: db.Name, Cluster: db.Cluster}
	if ids, names, ok := db.LatestPartners(); ok {
		t.Partners = &PartnerArrays{IDs: ids, Names: names}
	}
	return &Reader{conn: db.Conn, tables: t}
}

// WithRecorder returns a copy of r that tells rec every statement it sends.
func (r *Reader) WithRecorder(rec Recorder) *Reader {
	c := *r
	c.recorder = rec
	return &c
}

// Tables returns where r's statements read.
func (r *Reader) Tables() Tables { return r.tables }

// Query sends s and returns its rows; the caller closes them.
func (r *Reader) Query(ctx context.Context, s Statement) (driver.Rows, error) {
	r.record(s)
	return r.conn.Query(ctx, s.SQL, s.Args...)
}

// QueryRow sends s and returns its first row.
func (r *Reader) QueryRow(ctx context.Context, s Statement) driver.Row {
	r.record(s)
	return r.conn.QueryRow(ctx, s.SQL, s.Args...)
}

func (r *Reader) record(s Statement) {
	if r.recorder != nil {
		r.recorder.Record(s)
	}
}
