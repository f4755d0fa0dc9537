package follow

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the follow daemon's Prometheus metrics. Build them with
// NewMetrics on the registry that serves /metrics; tests pass a registry of
// their own.
type Metrics struct {
	LinesRead            *prometheus.CounterVec   // format
	LinesParsed          *prometheus.CounterVec   // format
	LinesRejected        *prometheus.CounterVec   // format, reason
	RowsInserted         *prometheus.CounterVec   // table
	BatchesInserted      *prometheus.CounterVec   // table
	InsertDuration       *prometheus.HistogramVec // table
	BufferRows           prometheus.Gauge
	BufferMaxRows        prometheus.Gauge
	FileBytesBehind      *prometheus.GaugeVec // path
	FilesFollowed        prometheus.Gauge
	FilesWaiting         prometheus.Gauge
	DescriptorsExhausted prometheus.Counter
	FileEvents           *prometheus.CounterVec // event
	ClickHouseErrors     *prometheus.CounterVec // op
	ClickHouseRetries    prometheus.Counter
	SlowInserts          *prometheus.CounterVec // table
	LastInsert           prometheus.Gauge
	LastCheckpoint       prometheus.Gauge
	CheckpointErrors     prometheus.Counter
}

// The values of the file events counter's event label.
const (
	eventOpened     = "opened"     // a new file started to be followed
	eventResumed    = "resumed"    // … at its checkpoint
	eventTruncated  = "truncated"  // truncated or rewritten in place: read again from its start
	eventRotated    = "rotated"    // renamed away or deleted: read to its end
	eventFinished   = "finished"   // a rotated or deleted file was read to its end and closed
	eventCompressed = "compressed" // a gzip file matched the pattern and was skipped
	eventUndetected = "undetected" // no format fits the first lines: read line by line (format "mixed")
)

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns = "ratescope_ingest"
	m := &Metrics{
		LinesRead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "lines_read_total",
			Help: "Lines read from followed files (blank ones included), by log format.",
		}, []string{"format"}),
		LinesParsed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "lines_parsed_total",
			Help: "Lines parsed into a request row (access record or error body), by log format.",
		}, []string{"format"}),
		LinesRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "lines_rejected_total",
			Help: "Lines kept in the dead-letter table instead, by log format and reason.",
		}, []string{"format", "reason"}),
		RowsInserted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "rows_inserted_total",
			Help: "Rows ClickHouse accepted, by table.",
		}, []string{"table"}),
		BatchesInserted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "batches_inserted_total",
			Help: "Inserts ClickHouse accepted, by table.",
		}, []string{"table"}),
		InsertDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "insert_duration_seconds",
			Help:    "Time taken by successful inserts, by table.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"table"}),
		BufferRows: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "buffer_rows",
			Help: "Rows read and not yet stored in ClickHouse (the batch being filled and the one being inserted).",
		}),
		BufferMaxRows: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "buffer_max_rows",
			Help: "The limit of buffer_rows (--max-buffer-rows): at it, reading stops until an insert succeeds.",
		}),
		FileBytesBehind: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Name: "file_bytes_behind",
			Help: "Bytes of a followed file not yet stored in ClickHouse (size minus checkpointed offset).",
		}, []string{"path"}),
		FilesFollowed: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "files_followed",
			Help: "Files currently open and followed.",
		}),
		FilesWaiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "files_waiting",
			Help: "Files the patterns match that are not followed yet because no file descriptor is free (raise ulimit -n).",
		}),
		DescriptorsExhausted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "descriptors_exhausted_total",
			Help: "Attempts to list or open followed files that failed for want of a file descriptor (EMFILE, ENFILE).",
		}),
		FileEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "file_events_total",
			Help: "Things that happened to followed files: opened, resumed, truncated, rotated, finished, compressed, undetected.",
		}, []string{"event"}),
		ClickHouseErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "clickhouse_errors_total",
			Help: "Failed ClickHouse operations, by operation (connect, migrate, insert).",
		}, []string{"op"}),
		ClickHouseRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "clickhouse_retries_total",
			Help: "Retries of a failed ClickHouse operation after a backoff.",
		}),
		SlowInserts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "slow_inserts_total",
			Help: "Inserts still unanswered after 10 s (a hung or overloaded ClickHouse), by table; each is counted once, whether it then succeeds or fails.",
		}, []string{"table"}),
		LastInsert: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "last_insert_timestamp_seconds",
			Help: "When ClickHouse last accepted an insert (Unix time).",
		}),
		LastCheckpoint: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "last_checkpoint_timestamp_seconds",
			Help: "When the checkpoint file was last written with new offsets (Unix time).",
		}),
		CheckpointErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "checkpoint_errors_total",
			Help: "Failed writes of the checkpoint file.",
		}),
	}
	// Every operation's error series exists from the start at 0, so
	// rate() and increase() (dashboards, alert rules) see the first error.
	for _, op := range []string{"connect", "migrate", "insert"} {
		m.ClickHouseErrors.WithLabelValues(op)
	}
	for _, table := range []string{"requests", "rejected"} {
		m.SlowInserts.WithLabelValues(table)
	}
	reg.MustRegister(m.LinesRead, m.LinesParsed, m.LinesRejected, m.RowsInserted, m.BatchesInserted,
		m.InsertDuration, m.BufferRows, m.BufferMaxRows, m.FileBytesBehind, m.FilesFollowed, m.FilesWaiting, m.DescriptorsExhausted, m.FileEvents,
		m.ClickHouseErrors, m.ClickHouseRetries, m.SlowInserts, m.LastInsert, m.LastCheckpoint, m.CheckpointErrors)
	return m
}
