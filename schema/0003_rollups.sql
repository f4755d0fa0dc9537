-- Hourly rollups of the assembled requests (one request per request
-- id, its error body attached whenever it arrived), rebuilt a whole day
-- at a time from the deduplicated rows and swapped in with
-- ALTER TABLE … REPLACE PARTITION, so a re-loaded file, a late error body
-- or an out-of-order file never counts a request twice or in the wrong
-- group (a materialized view would: it sees inserted blocks, never the
-- dedup). internal/rollup rebuilds; readers use a day's rows only while
-- rollup_builds says nothing touching that day was ingested since.
-- Hourly, as measured: per minute, a bucket of partner × route × method ×
-- status × code holds about one request at 10 million requests a month,
-- so the table was as large as the rows it rolls up. A request's hour is
-- its access record's time (an orphan error body:
-- its own); partner is the request's as logged (reports name it by the
-- current partner map when they read it, so a new map needs no rebuild);
-- route, method and status are the request's, code its
-- code (body code, else gateway error type, else Envoy flags), error_type
-- the gateway's error type.
CREATE TABLE IF NOT EXISTS {{.DB}}.requests_1h {{.OnCluster}}
(
    hour       DateTime('UTC'),
    partner    String,
    route      String,
    method     String,
    status     UInt16,
    code       String,
    error_type String,
    requests   UInt64,
    latency    AggregateFunction(quantilesTDigest(0.5, 0.99), Float32)
)
ENGINE = {{engine "requests_1h" "MergeTree()"}}
PARTITION BY toYYYYMMDD(hour)
ORDER BY (hour, partner, route, method, status, code, error_type);

-- When each day's rollup was last known to be complete: built (or found
-- unchanged) by a refresh pass that started at checked_at (the server's
-- clock), when the day held rows rows of the requests table. A day whose
-- row count differs, or one of whose request ids got a row on another day
-- at or after checked_at minus a safety margin (a late error body after
-- midnight), is stale until the next pass rebuilds it. requests counts
-- the requests the rebuild rolled up (0 for a check without rebuild).
-- recorded_at (the server's clock once the rollup was swapped in) orders
-- the records: when two passes race, the one that swapped last is the one
-- whose row count is believed, so an older rollup swapped in after a newer
-- one is found stale (its count is older) and rebuilt.
CREATE TABLE IF NOT EXISTS {{.DB}}.rollup_builds {{.OnCluster}}
(
    day         UInt32,
    checked_at  DateTime('UTC'),
    built_at    DateTime('UTC'),
    rows        UInt64,
    requests    UInt64,
    recorded_at DateTime('UTC')
)
ENGINE = {{engine "rollup_builds" "ReplacingMergeTree(recorded_at)"}}
ORDER BY day;
