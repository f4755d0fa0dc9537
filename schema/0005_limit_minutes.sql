-- Limit headroom minute by minute (internal/findings): each analysis pass
-- breaks the rows of `report rate-limits` for its window down by minute —
-- for every partner × limit (token buckets and windows; quotas are monthly
-- and stay in limit_findings) and per-IP limit × client IP — so that
-- Grafana draws utilization over time. A minute's measures are those the
-- report's simulations reached at a millisecond of that minute (the
-- highest 60 s or window count, the bucket's lowest level, the rate-limit
-- headers), its throttled count the requests of that minute the limit
-- rejected, its state the report's rule applied to the two. So, for the
-- window of a pass, the highest utilization of its minutes, their summed
-- throttled count and their worst state are what the report prints for
-- that window, or any window of whole minutes (docs/rollups.md). The
-- writing pass's window is [window_from, window_to); its simulations
-- replayed each limit's warm-up before window_from (up to an hour), so a
-- minute's measures do not depend on which pass wrote it.
--
-- subject is 'partner' (partner: the plans file's name, ip empty) or 'ip'
-- (ip: the client IP, partner empty). Per IP, a minute is kept when its
-- state is not ok, or when the IP is that minute's busiest for the limit
-- (docs/rollups.md gives the row counts this keeps). Every pass covering a
-- minute rewrites all of that minute's rows with one computed_ms; readers
-- take each minute's rows of its latest pass (chquery.FindingsLimitMinutes),
-- so a row a newer pass did not write again (an IP no longer the busiest)
-- is not read.
CREATE TABLE IF NOT EXISTS {{.DB}}.limit_minutes {{.OnCluster}}
(
    minute      DateTime('UTC'),
    subject     String,
    partner     String,
    ip          String,
    limit_name  String,
    kind        String,
    measure     String,
    utilization Float64,
    throttled   UInt64,
    state       String,
    peak        UInt64,
    window_from DateTime('UTC'),
    window_to   DateTime('UTC'),
    computed_ms UInt64
)
ENGINE = {{engine "limit_minutes" "ReplacingMergeTree(computed_ms)"}}
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, subject, partner, ip, limit_name);
