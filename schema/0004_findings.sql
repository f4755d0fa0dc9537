-- Findings kept over time (internal/findings): what `report retry-storms`
-- and `report rate-limits` print, written by each analysis pass — every
-- minute by the daemon over a sliding horizon, once by a one-shot load over
-- the days it loaded — so Grafana reads answers instead of recomputing
-- them.

-- Retry storms, one row per storm and pass: a storm still going on is
-- written again by every pass, with its later end and more attempts, under
-- the same key (its sequence and first attempt); readers take each key's
-- row with the most attempts (argMax by attempts: a storm only grows, and
-- passes a second apart cannot tie), and merges fold the rest alike.
CREATE TABLE IF NOT EXISTS {{.DB}}.storm_findings {{.OnCluster}}
(
    start            DateTime('UTC'),
    start_ms         Int64,
    end_ms           Int64,
    partner          String,
    client_ip        String,
    method           String,
    route            String,
    idempotency_key  String,
    attempts         UInt64,
    retries          UInt64,
    median_gap_ms    Int64,
    violations       Array(String),
    first_request_id String,
    updated_at       DateTime('UTC')
)
ENGINE = {{engine "storm_findings" "ReplacingMergeTree(attempts)"}}
PARTITION BY toYYYYMM(start)
ORDER BY (partner, client_ip, method, route, idempotency_key, start_ms);

-- Limit headroom: each pass writes the rows of `report rate-limits` for its
-- window [window_from, window_to) — the daemon's trailing horizon ending at
-- the pass's minute, a one-shot load's loaded days — so the rows of one
-- partner and limit over passes are its utilization, throttled count and
-- state minute by minute. exhausts_at is a quota's projected exhaustion
-- (0: not within the month at the current rate).
CREATE TABLE IF NOT EXISTS {{.DB}}.limit_findings {{.OnCluster}}
(
    window_to   DateTime('UTC'),
    window_from DateTime('UTC'),
    partner     String,
    limit_name  String,
    kind        String,
    measure     String,
    utilization Float64,
    throttled   UInt64,
    state       String,
    peak        UInt64,
    projected_from_days Float64,
    exhausts_at DateTime('UTC'),
    computed_at DateTime('UTC'),
    -- the computing pass's clock in milliseconds: the latest of two passes
    -- over one window within a second wins
    computed_ms UInt64
)
ENGINE = {{engine "limit_findings" "ReplacingMergeTree(computed_ms)"}}
PARTITION BY toYYYYMM(window_to)
ORDER BY (window_to, window_from, partner, limit_name);
