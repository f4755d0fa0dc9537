-- One row per access record (kind = 1) and per separately logged error body
-- (kind = 2). Both kinds of row for one request share its request_id and
-- meet in queries that GROUP BY request_id: access fields come only from
-- kind 1 rows, error-body fields from kind 1 rows that carried a body, else
-- from kind 2 rows. ReplacingMergeTree folds re-ingested copies of a row in
-- background merges; reports never rely on those merges having run.
-- On a cluster both tables are sharded (the engine's third argument, see
-- schema.go): by request id, so a request's rows and their copies meet on
-- one shard; rejected lines by (source, offset), so a re-read line folds.
CREATE TABLE IF NOT EXISTS {{.DB}}.requests {{.OnCluster}}
(
    time               DateTime('UTC'),
    time_ms            Int64,
    request_id         String,
    -- 64-bit hash of request_id: distinct counts and id lookups over
    -- millions of requests run on 8-byte integers instead of strings.
    rid                UInt64 MATERIALIZED cityHash64(request_id),
    kind               UInt8,
    synthetic          UInt8,
    method             String,
    path               String,
    route              String,
    status             UInt16,
    partner            String,
    client_ip          String,
    latency_ms         Float32,
    bytes_sent         Int64,
    user_agent         String,
    idempotency_key    String,
    retry_after        Int32,
    rl_limit           Int64,
    rl_remaining       Int64,
    rl_reset           Int64,
    error_type         String,
    response_flags     String,
    err_shape          String,
    err_code           String,
    err_message        String,
    err_details        String,
    err_field_names    Array(String),
    err_field_messages Array(String),
    err_retry_after    Int32,
    err_status         UInt16,
    err_raw            String,
    format             String,
    source             String,
    offset             UInt64,
    ingested_at        DateTime('UTC')
)
ENGINE = {{engine "requests" "ReplacingMergeTree()" "cityHash64(request_id)"}}
PARTITION BY toYYYYMMDD(time)
ORDER BY (request_id, kind);

-- Lines that could not be parsed: kept, with why, never silently dropped.
-- (source, offset, a hash of the raw line) identifies a line, so reloading a
-- file does not double the count, while the new content a copytruncate
-- writes at an old offset is not mistaken for the line that was there. A rejected line has no time of its own: time is that of the
-- last line of the same source that parsed before it (log files are in time
-- order), or the ingest time when none did, so windows over old logs count
-- their rejects.
CREATE TABLE IF NOT EXISTS {{.DB}}.rejected {{.OnCluster}}
(
    time        DateTime('UTC'),
    ingested_at DateTime('UTC'),
    source      String,
    offset      UInt64,
    line        UInt64,
    format      String,
    reason      String,
    raw         String
)
ENGINE = {{engine "rejected" "ReplacingMergeTree()" "cityHash64(source, offset)"}}
PARTITION BY toYYYYMM(time)
ORDER BY (source, offset, cityHash64(raw));
