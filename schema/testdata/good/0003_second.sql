CREATE TABLE IF NOT EXISTS {{.DB}}.b {{.OnCluster}} (s String DEFAULT 'x--y;')
ENGINE = {{engine "b" "ReplacingMergeTree()"}} ORDER BY s;

CREATE TABLE IF NOT EXISTS {{.DB}}.c {{.OnCluster}} (s String)
ENGINE = {{engine "c" "MergeTree()"}} ORDER BY s; -- trailing comment
