-- Which days hold rows of a day's requests (internal/rollup): for each
-- rollup_builds record, the days other than day holding a row of a
-- request id that has a row on day — an error body filed after midnight,
-- an access record of the day before. A report reads the part of its
-- window the rollups do not answer for (its edge hours) from the requests
-- table, and the error bodies of those requests may lie on any day: with
-- the window's days clean and their links known, it reads only the
-- partitions of those days and their links instead of every day's.
--
-- The same row keeps what quotas count of the day (internal/ratelimit):
-- per partner as logged, its distinct requests by access record
-- (partners, partner_requests, parallel), whether no request id of the
-- day's access records appears under two partners (ids_unique), and the
-- days other than day holding access records of its access records'
-- request ids (access_linked). A month's requests then sum the days whose
-- request ids meet no other day of the month, instead of counting
-- distinct ids over every row of the month.
--
-- One row per rollup_builds row, written with it: the same day,
-- checked_at, recorded_at and rows. A reader believes a day's links only
-- when its latest row here is of the record it believes in rollup_builds
-- (all four equal): links recorded beside another record may be older
-- than it, and then a reader reads every partition. Databases upgraded to
-- this schema get their links from the next refresh pass, which computes
-- them for every complete day without any.
CREATE TABLE IF NOT EXISTS {{.DB}}.rollup_links {{.OnCluster}}
(
    day         UInt32,
    checked_at  DateTime('UTC'),
    recorded_at DateTime('UTC'),
    rows        UInt64,
    linked      Array(UInt32),
    access_linked    Array(UInt32),
    partners         Array(String),
    partner_requests Array(UInt64),
    ids_unique       UInt8
)
ENGINE = {{engine "rollup_links" "ReplacingMergeTree(recorded_at)"}}
ORDER BY day;
