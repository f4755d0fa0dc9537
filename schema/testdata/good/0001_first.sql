-- The first migration.
CREATE TABLE IF NOT EXISTS {{.DB}}.a {{.OnCluster}}
(
    x UInt8 -- the only column
)
ENGINE = {{engine "a" "MergeTree()"}}
ORDER BY x;
